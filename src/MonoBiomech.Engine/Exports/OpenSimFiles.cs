using System.Globalization;
using System.Text;
using MonoBiomech.Engine.Formats;
using MonoBiomech.Fitting;

namespace MonoBiomech.Engine.Exports;

/// <summary>
/// OpenSim's text formats, laid out as OpenSim 4 writes them (checked line by line against the IK tool's .mot and a
/// marker .trc in shared/data/opensim): the coordinates of a fit as a motion file, and the fitted sites as markers.
/// Both are written to a temporary file and moved into place.
/// </summary>
public static class OpenSimFiles
{
    public const string MotionSuffix = ".mot", MarkersSuffix = "_markers.trc", KeypointMarkersSuffix = "_keypoints.trc";
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>
    /// The coordinates, one row per frame: rotations in degrees (inDegrees=yes), translations in metres as OpenSim counts
    /// them (absolute: <paramref name="translationRestOffsetsMetres"/> added, see
    /// <see cref="BodyModels.BodyModel.TranslationRestOffsetsMetres"/>), the model's coordinate names, time in seconds
    /// from the start of the video.
    /// </summary>
    public static void WriteMotion(string path, BiomechFitResult fit, IReadOnlyList<double> translationRestOffsetsMetres)
    {
        ArgumentNullException.ThrowIfNull(fit);
        if (translationRestOffsetsMetres.Count != fit.Coordinates.Count)
            throw new ArgumentException($"Expected {fit.Coordinates.Count} offsets.", nameof(translationRestOffsetsMetres));
        int frames = fit.FrameCount, n = fit.Coordinates.Count;
        var text = new StringBuilder();
        text.Append("Coordinates\nversion=1\n").Append(C, $"nRows={frames}\nnColumns={n + 1}\n").Append("inDegrees=yes\n\n")
            .Append("Units are S.I. units (second, meters, Newtons, ...)\nAngles are in degrees.\n\nendheader\n");
        text.Append("time");
        foreach (FitCoordinate c in fit.Coordinates) text.Append('\t').Append(c.Name);
        text.Append('\n');
        for (int t = 0; t < frames; t++)
        {
            text.Append(C, $"{fit.TimestampsSeconds[t],16:F8}");
            for (int d = 0; d < n; d++)
            {
                text.Append('\t').Append(C, $"{ExportedValue(fit, t, d, translationRestOffsetsMetres),16:F8}");
            }
            text.Append('\n');
        }
        AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <summary>Coordinate <paramref name="d"/> at frame <paramref name="t"/> as OpenSim counts it: degrees, or absolute metres.</summary>
    internal static double ExportedValue(BiomechFitResult fit, int t, int d, IReadOnlyList<double> translationRestOffsetsMetres)
    {
        double value = fit.CoordinateValues[t * fit.Coordinates.Count + d];
        return fit.Coordinates[d].Kind == CoordinateKind.Rotation ? value * 180 / Math.PI : value + translationRestOffsetsMetres[d];
    }

    /// <summary>
    /// The fitted sites as OpenSim markers in millimetres, in OpenSim's ground axes (y up): X = world x, Y = world z (up),
    /// Z = −world y. Frame numbers from 1; the rate is the clip's mean frame rate.
    /// </summary>
    public static void WriteMarkers(string path, BiomechFitResult fit)
    {
        ArgumentNullException.ThrowIfNull(fit);
        WriteTrc(path, fit.TimestampsSeconds, fit.SiteNames, fit.SitePositionsMetres);
    }

    /// <summary>
    /// The input's 3D keypoints as OpenSim markers, where the fit put them (see <see cref="BiomechFitResult.KeypointPositionsMetres"/>),
    /// in the axes and units of <see cref="WriteMarkers"/>; a keypoint not used in a frame is left blank, as OpenSim reads a missing marker.
    /// </summary>
    /// <exception cref="ArgumentException">The fit holds no keypoint positions (an imported file).</exception>
    public static void WriteKeypointMarkers(string path, BiomechFitResult fit)
    {
        ArgumentNullException.ThrowIfNull(fit);
        if (fit.KeypointNames.Count == 0 || fit.KeypointPositionsMetres.Count != fit.FrameCount * fit.KeypointNames.Count * 3)
            throw new ArgumentException($"The fit of '{fit.Source}' holds no keypoint positions (a fit read from a file has none).", nameof(fit));
        WriteTrc(path, fit.TimestampsSeconds, fit.KeypointNames, fit.KeypointPositionsMetres);
    }

    private static void WriteTrc(string path, IReadOnlyList<double> times, IReadOnlyList<string> names, IReadOnlyList<double> worldMetres)
    {
        int frames = times.Count, markers = names.Count;
        double span = frames > 1 ? times[frames - 1] - times[0] : 0;
        double rate = span > 0 ? (frames - 1) / span : 0;
        var text = new StringBuilder();
        text.Append("PathFileType\t4\t(X/Y/Z)\t").Append(Path.GetFileName(path)).Append('\n');
        text.Append("DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames\n");
        text.Append(C, $"{rate:F2}\t{rate:F2}\t{frames,10}\t{markers}\tmm\t{rate:F2}\t1\t{frames,10}\n");
        text.Append("Frame#\tTime\t");
        foreach (string name in names) text.Append(name).Append("\t\t\t");
        text.Append("\n\t\t");
        for (int m = 1; m <= markers; m++) text.Append(C, $"X{m}\tY{m}\tZ{m}\t");
        text.Append("\n\n");
        for (int t = 0; t < frames; t++)
        {
            text.Append(C, $"{t + 1}\t{times[t]:F6}\t");
            for (int m = 0; m < markers; m++)
            {
                int o = (t * markers + m) * 3;
                double x = worldMetres[o], y = worldMetres[o + 1], z = worldMetres[o + 2];
                if (double.IsFinite(x + y + z)) text.Append(C, $"{1000 * x:F6}\t{1000 * z:F6}\t{-1000 * y:F6}\t");
                else text.Append("\t\t\t");
            }
            text.Append('\n');
        }
        AtomicFile.WriteAllText(path, text.ToString());
    }
}

/// <summary>The coordinates as a tidy table: one row per frame, one column per coordinate, the unit in each header.</summary>
public static class CoordinateTable
{
    public const string Suffix = "_coordinates.csv";

    /// <summary>
    /// Header <c>time_s,pelvis_tx_m,...,hip_flexion_r_deg,...</c>; rotations in degrees, translations in metres and
    /// absolute as in the .mot (<paramref name="translationRestOffsetsMetres"/> added); invariant culture.
    /// </summary>
    public static void Write(string path, BiomechFitResult fit, IReadOnlyList<double> translationRestOffsetsMetres)
    {
        ArgumentNullException.ThrowIfNull(fit);
        if (translationRestOffsetsMetres.Count != fit.Coordinates.Count)
            throw new ArgumentException($"Expected {fit.Coordinates.Count} offsets.", nameof(translationRestOffsetsMetres));
        int frames = fit.FrameCount, n = fit.Coordinates.Count;
        var C = CultureInfo.InvariantCulture;
        var text = new StringBuilder("time_s");
        foreach (FitCoordinate c in fit.Coordinates) text.Append(',').Append(c.Name).Append(c.Kind == CoordinateKind.Rotation ? "_deg" : "_m");
        text.Append('\n');
        for (int t = 0; t < frames; t++)
        {
            text.Append(fit.TimestampsSeconds[t].ToString("R", C));
            for (int d = 0; d < n; d++)
            {
                text.Append(',').Append(OpenSimFiles.ExportedValue(fit, t, d, translationRestOffsetsMetres).ToString("G10", C));
            }
            text.Append('\n');
        }
        AtomicFile.WriteAllText(path, text.ToString());
    }
}

