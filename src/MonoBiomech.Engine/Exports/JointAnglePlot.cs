using MonoBiomech.Engine.Formats;
using MonoBiomech.Fitting;

namespace MonoBiomech.Engine.Exports;

/// <summary>A PNG of chosen joint angles over time (ScottPlot 5), one line per coordinate, in degrees.</summary>
public static class JointAnglePlot
{
    public const string Suffix = "_joint_angles.png";

    /// <summary>Hip, knee and ankle flexion of both sides: what a gait report shows first.</summary>
    public static IReadOnlyList<string> DefaultCoordinates { get; } = new[]
    {
        "hip_flexion_r", "hip_flexion_l", "knee_angle_r", "knee_angle_l", "ankle_angle_r", "ankle_angle_l",
    };

    /// <summary>
    /// Writes the plot (a temporary file moved into place). A joint's two sides share a colour, the right side solid,
    /// the left dashed; rotations only (a translation has no angle). Coordinates the fit does not have are left out.
    /// </summary>
    /// <exception cref="ArgumentException">None of <paramref name="coordinates"/> is a rotation of the fit.</exception>
    public static void Write(string path, BiomechFitResult fit, IReadOnlyList<string>? coordinates = null, int widthPixels = 1200, int heightPixels = 700)
    {
        ArgumentNullException.ThrowIfNull(fit);
        string[] names = (coordinates ?? DefaultCoordinates)
            .Where(n => fit.IndexOfCoordinate(n) is int i && i >= 0 && fit.Coordinates[i].Kind == CoordinateKind.Rotation).ToArray();
        if (names.Length == 0)
            throw new ArgumentException($"None of {string.Join(", ", coordinates ?? DefaultCoordinates)} is a rotation of the fitted model.", nameof(coordinates));

        var plot = new ScottPlot.Plot();
        double[] time = fit.TimestampsSeconds.ToArray();
        var palette = new ScottPlot.Palettes.Category10();
        var joints = names.Select(JointOf).Distinct().ToList();
        foreach (string name in names)
        {
            var line = plot.Add.Scatter(time, fit.Coordinate(name, AngleUnit.Degrees));
            line.LegendText = name;
            line.MarkerSize = 0;
            line.LineWidth = 2;
            line.Color = palette.GetColor(joints.IndexOf(JointOf(name)));
            if (name.EndsWith("_l", StringComparison.Ordinal)) line.LinePattern = ScottPlot.LinePattern.Dashed;
        }
        plot.Title($"{Path.GetFileName(fit.Source)}: joint angles");
        plot.XLabel("time (s)");
        plot.YLabel("angle (degrees)");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        byte[] png = plot.GetImage(widthPixels, heightPixels).GetImageBytes(ScottPlot.ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(png));
    }

    /// <summary>"knee_angle_r" → "knee_angle": the joint both sides share.</summary>
    private static string JointOf(string coordinate) =>
        coordinate.EndsWith("_r", StringComparison.Ordinal) || coordinate.EndsWith("_l", StringComparison.Ordinal) ? coordinate[..^2] : coordinate;
}
