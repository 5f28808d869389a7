using System.Globalization;
using System.Text.RegularExpressions;
using MonoBiomech.Engine.Exports;
using MonoBiomech.Engine.Tests.Fitting;
using MonoBiomech.Fitting;
using MonoBiomech.Tests;

namespace MonoBiomech.Engine.Tests.Exports;

/// <summary>The OpenSim files checked line by line against the files OpenSim itself wrote (shared/data/opensim).</summary>
public sealed class OpenSimFilesTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("opensim-files").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static BiomechFitResult Sample(int frames = 4)
    {
        var coordinates = new[]
        {
            new FitCoordinate("pelvis_tx", CoordinateKind.Translation), new FitCoordinate("pelvis_ty", CoordinateKind.Translation),
            new FitCoordinate("hip_flexion_r", CoordinateKind.Rotation), new FitCoordinate("knee_angle_r", CoordinateKind.Rotation),
        };
        return new BiomechFitResult
        {
            Source = "walk.mp4",
            TimestampsSeconds = Enumerable.Range(0, frames).Select(t => 0.5 + t / 60.0).ToArray(),
            Coordinates = coordinates,
            CoordinateValues = Enumerable.Range(0, frames * 4).Select(i => i % 4 < 2 ? 0.01 * i : -0.1 * i).ToArray(),
            CoordinateVelocities = new double[frames * 4],
            SiteNames = new[] { "R.ASIS", "L.ASIS" },
            SitePositionsMetres = Enumerable.Range(0, frames * 6).Select(i => 0.1 * i - 0.7).ToArray(),
            BodyNames = new[] { "world", "pelvis" },
            BodyPositionsMetres = new double[frames * 6],
            ScaleGroupNames = new[] { "overall" },
            ScaleIncrements = new[] { 0.0 },
            SiteOffsetsMetres = new double[6],
            CameraToWorldRotation = new double[] { 1, 0, 0, 0, 0, 1, 0, -1, 0 },
            CameraPositionMetres = new double[] { 0, 0, 1.4 },
        };
    }

    /// <summary>A line's shape: every number replaced by its kind, so lines of two files can be compared.</summary>
    private static string Shape(string line) =>
        Regex.Replace(Regex.Replace(line, @" +(?=-?\d)", ""), @"-?\d+\.\d+|\d+", m => m.Value.Contains('.') ? $"F{m.Value.Split('.')[1].Length}" : "I");

    /// <summary>The width of each tab-separated field (OpenSim pads numbers to fixed widths).</summary>
    private static int[] Widths(string line) => line.Split('\t').Select(f => f.Length).ToArray();

    [SharedDataFact]
    public void Motion_file_has_OpenSim_s_header_and_row_layout_and_the_values_in_degrees_and_absolute_metres()
    {
        string[] reference = File.ReadAllLines(SharedData.DataFile("opensim/subject01_walk_IK.mot"));
        BiomechFitResult fit = Sample();
        string path = Path.Combine(folder, "walk.mot");
        OpenSimFiles.WriteMotion(path, fit, new[] { 0, 1.0119, 0, 0 });
        string[] lines = File.ReadAllLines(path);
        int header = Array.IndexOf(reference, "endheader");
        Assert.Equal(header, Array.IndexOf(lines, "endheader"));
        for (int i = 0; i <= header; i++) Assert.Equal(Shape(reference[i]), Shape(lines[i]));
        Assert.Equal($"nRows={fit.FrameCount}", lines[2]);
        Assert.Equal("nColumns=5", lines[3]);
        Assert.Equal("time\tpelvis_tx\tpelvis_ty\thip_flexion_r\tknee_angle_r", lines[header + 1]);
        // rows: the same fixed-width, tab-separated numbers as OpenSim's, one per column
        Assert.All(Widths(reference[header + 2]), w => Assert.Equal(16, w));
        for (int t = 0; t < fit.FrameCount; t++)
        {
            string row = lines[header + 2 + t];
            Assert.Equal(Enumerable.Repeat("F8", 5), row.Split('\t').Select(Shape));
            Assert.All(Widths(row), w => Assert.Equal(16, w));
            double[] values = row.Split('\t').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(fit.TimestampsSeconds[t], values[0], 7);
            Assert.Equal(fit.CoordinateValues[t * 4], values[1], 7);
            Assert.Equal(fit.CoordinateValues[t * 4 + 1] + 1.0119, values[2], 7); // OpenSim's pelvis_ty is the height
            Assert.Equal(fit.CoordinateValues[t * 4 + 2] * 180 / Math.PI, values[3], 6);
        }
        Assert.Equal(header + 2 + fit.FrameCount, lines.Length);
    }

    [SharedDataFact]
    public void Marker_file_has_OpenSim_s_header_and_row_layout_in_millimetres_with_y_up()
    {
        string[] reference = File.ReadAllLines(SharedData.DataFile("opensim/subject01_walk1.trc"));
        BiomechFitResult fit = Sample();
        string path = Path.Combine(folder, "walk_markers.trc");
        OpenSimFiles.WriteMarkers(path, fit);
        string[] lines = File.ReadAllLines(path);
        Assert.Equal("PathFileType\t4\t(X/Y/Z)\twalk_markers.trc", lines[0]);
        Assert.Equal(reference[1], lines[1]);
        Assert.Equal(Shape(reference[2]), Shape(lines[2]));
        Assert.Equal(Widths(reference[2]).Where((_, i) => i is 2 or 7), Widths(lines[2]).Where((_, i) => i is 2 or 7));
        Assert.Equal("60.00\t60.00\t         4\t2\tmm\t60.00\t1\t         4", lines[2]);
        Assert.Equal(Regex.Replace(reference[3], @"^Frame#\tTime\t([^\t]+\t\t\t)+$", "M"), Regex.Replace(lines[3], @"^Frame#\tTime\t([^\t]+\t\t\t)+$", "M"));
        Assert.Equal("Frame#\tTime\tR.ASIS\t\t\tL.ASIS\t\t\t", lines[3]);
        Assert.Equal("\t\tX1\tY1\tZ1\tX2\tY2\tZ2\t", lines[4]);
        Assert.Equal(reference[5], lines[5]); // the blank line
        string rowShape(string line) => Regex.Replace(Shape(line), @"(F6\t)+", "F6\t");
        Assert.Equal(rowShape(reference[6]), rowShape(lines[6]));
        for (int t = 0; t < fit.FrameCount; t++)
        {
            string[] fields = lines[6 + t].Split('\t');
            Assert.Equal((t + 1).ToString(CultureInfo.InvariantCulture), fields[0]);
            double x = fit.SitePositionsMetres[t * 6], y = fit.SitePositionsMetres[t * 6 + 1], z = fit.SitePositionsMetres[t * 6 + 2];
            Assert.Equal(1000 * x, double.Parse(fields[2], CultureInfo.InvariantCulture), 5);
            Assert.Equal(1000 * z, double.Parse(fields[3], CultureInfo.InvariantCulture), 5);  // OpenSim Y: up
            Assert.Equal(-1000 * y, double.Parse(fields[4], CultureInfo.InvariantCulture), 5);
        }
    }

    [Fact]
    public void Keypoint_marker_file_leaves_unused_keypoints_blank_and_refuses_a_fit_without_keypoints()
    {
        BiomechFitResult fit = Sample(2);
        var placed = new BiomechFitResult
        {
            Source = fit.Source, TimestampsSeconds = fit.TimestampsSeconds, Coordinates = fit.Coordinates, CoordinateValues = fit.CoordinateValues,
            CoordinateVelocities = fit.CoordinateVelocities, SiteNames = fit.SiteNames, SitePositionsMetres = fit.SitePositionsMetres,
            BodyNames = fit.BodyNames, BodyPositionsMetres = fit.BodyPositionsMetres, ScaleGroupNames = fit.ScaleGroupNames,
            ScaleIncrements = fit.ScaleIncrements, SiteOffsetsMetres = fit.SiteOffsetsMetres, CameraToWorldRotation = fit.CameraToWorldRotation,
            CameraPositionMetres = fit.CameraPositionMetres,
            KeypointNames = new[] { "nose", "left_hip" },
            KeypointPositionsMetres = new[] { 0.1, 0.2, 1.7, double.NaN, double.NaN, double.NaN, 0.1, 0.25, 1.65, 0.0, 0.1, 0.95 },
        };
        string path = Path.Combine(folder, "walk_keypoints.trc");
        OpenSimFiles.WriteKeypointMarkers(path, placed);
        string[] lines = File.ReadAllLines(path);
        Assert.Equal("Frame#\tTime\tnose\t\t\tleft_hip\t\t\t", lines[3]);
        Assert.Equal("1\t0.500000\t100.000000\t1700.000000\t-200.000000\t\t\t\t", lines[6]);
        Assert.Throws<ArgumentException>(() => OpenSimFiles.WriteKeypointMarkers(Path.Combine(folder, "none.trc"), fit));
    }

    [Fact]
    public void Coordinate_table_has_units_in_the_header_and_one_row_per_frame()
    {
        BiomechFitResult fit = Sample();
        string path = Path.Combine(folder, "walk_coordinates.csv");
        CoordinateTable.Write(path, fit, new[] { 0, 1.0119, 0, 0 });
        string[] lines = File.ReadAllLines(path);
        Assert.Equal("time_s,pelvis_tx_m,pelvis_ty_m,hip_flexion_r_deg,knee_angle_r_deg", lines[0]);
        Assert.Equal(fit.FrameCount + 1, lines.Length);
        double[] row = lines[2].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(fit.TimestampsSeconds[1], row[0]);
        Assert.Equal(fit.CoordinateValues[4 + 1] + 1.0119, row[2], 9);
        Assert.Equal(fit.CoordinateValues[4 + 3] * 180 / Math.PI, row[4], 7);
        Assert.Empty(Directory.GetFiles(folder, "*.partial-*"));
    }

    [Fact]
    public void Json_export_names_every_coordinate_with_its_unit_and_the_values_of_the_mot()
    {
        BiomechFitResult fit = Sample();
        var model = FitTestData.Load(FitTestData.Own);
        string path = FitExport.PathFor(FitExportFormat.Json, "/videos/walk.mp4", folder);
        Assert.Equal(Path.Combine(folder, "walk_fit.json"), path);
        FitExport.Write(FitExportFormat.Json, path, fit, model);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        var coordinates = json.RootElement.GetProperty("coordinates").EnumerateArray().ToArray();
        Assert.Equal(fit.Coordinates.Select(c => c.Name), coordinates.Select(c => c.GetProperty("name").GetString()));
        Assert.Equal("degrees", coordinates[2].GetProperty("unit").GetString());
        Assert.Equal(fit.CoordinateValues[4 + 2] * 180 / Math.PI, coordinates[2].GetProperty("values")[1].GetDouble(), 12);
        Assert.Equal(fit.FrameCount, json.RootElement.GetProperty("timestampsSeconds").GetArrayLength());
    }

    [Fact]
    public void The_pelvis_rest_height_is_what_OpenSim_adds_to_the_pelvis_translation()
    {
        var model = FitTestData.Load(FitTestData.Own);
        double[] offsets = model.TranslationRestOffsetsMetres();
        Assert.Equal(1.0119, offsets[model.FindCoordinate("pelvis_ty")], 12);
        Assert.Equal(0, offsets[model.FindCoordinate("pelvis_tx")], 12);
        Assert.Equal(0, offsets[model.FindCoordinate("pelvis_tz")], 12);
        Assert.Equal(0, offsets[model.FindCoordinate("knee_angle_r")]);
    }
}
