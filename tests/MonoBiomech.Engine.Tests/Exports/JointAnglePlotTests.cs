using MonoBiomech.Engine.Exports;
using MonoBiomech.Fitting;
using OpenCvSharp;

namespace MonoBiomech.Engine.Tests.Exports;

public sealed class JointAnglePlotTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("plots").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static BiomechFitResult Walking(int frames = 90)
    {
        var names = JointAnglePlot.DefaultCoordinates.Prepend("pelvis_tx").ToArray();
        var values = new double[frames * names.Length];
        for (int t = 0; t < frames; t++)
            for (int d = 1; d < names.Length; d++)
                values[t * names.Length + d] = 0.5 * Math.Sin(2 * Math.PI * t / 30.0 + d);
        return new BiomechFitResult
        {
            Source = "walk.mp4",
            TimestampsSeconds = Enumerable.Range(0, frames).Select(t => t / 30.0).ToArray(),
            Coordinates = names.Select((n, i) => new FitCoordinate(n, i == 0 ? CoordinateKind.Translation : CoordinateKind.Rotation)).ToArray(),
            CoordinateValues = values, CoordinateVelocities = new double[values.Length],
            SiteNames = Array.Empty<string>(), SitePositionsMetres = Array.Empty<double>(),
            BodyNames = new[] { "world" }, BodyPositionsMetres = new double[frames * 3],
            ScaleGroupNames = Array.Empty<string>(), ScaleIncrements = Array.Empty<double>(), SiteOffsetsMetres = Array.Empty<double>(),
            CameraToWorldRotation = new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, CameraPositionMetres = new double[3],
        };
    }

    [Fact]
    public void The_plot_is_a_png_of_the_requested_size_with_the_lines_drawn_in_colour()
    {
        string path = Path.Combine(folder, "walk" + JointAnglePlot.Suffix);
        JointAnglePlot.Write(path, Walking(), widthPixels: 900, heightPixels: 500);
        using Mat image = Cv2.ImRead(path);
        Assert.Equal((900, 500), (image.Width, image.Height));
        // the six lines are coloured; a blank plot is grey-scale only
        using Mat hsv = image.CvtColor(ColorConversionCodes.BGR2HSV);
        int coloured = 0;
        for (int y = 0; y < hsv.Height; y += 2)
            for (int x = 0; x < hsv.Width; x += 2)
                if (hsv.At<Vec3b>(y, x).Item1 > 100) coloured++;
        Assert.True(coloured > 1000, $"{coloured} coloured pixels");
        Assert.Single(Directory.GetFiles(folder));
    }

    [Fact]
    public void Asking_only_for_translations_or_unknown_names_is_an_argument_error()
    {
        var e = Assert.Throws<ArgumentException>(() => JointAnglePlot.Write(Path.Combine(folder, "x.png"), Walking(), new[] { "pelvis_tx", "no_such" }));
        Assert.Contains("pelvis_tx, no_such", e.Message);
        Assert.Empty(Directory.GetFiles(folder));
    }
}
