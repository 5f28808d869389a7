using System.Text.Json;
using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Engine.Formats;
using MonoBiomech.Fitting;

namespace MonoBiomech.Engine.Exports;

/// <summary>The one place that knows each export format's file name and writer (Export-BiomechFit and the pipeline).</summary>
public static class FitExport
{
    public const string JsonSuffix = "_fit.json";

    /// <summary>Where <paramref name="format"/> puts the fit of <paramref name="source"/> in <paramref name="outputDirectory"/> (null: beside the source).</summary>
    public static string PathFor(FitExportFormat format, string source, string? outputDirectory)
    {
        string folder = outputDirectory ?? Path.GetDirectoryName(Path.GetFullPath(source))!;
        string stem = Path.Combine(folder, KeypointsNpz.BaseName(source));
        return stem + format switch
        {
            FitExportFormat.Mot => OpenSimFiles.MotionSuffix,
            FitExportFormat.Trc => OpenSimFiles.MarkersSuffix,
            FitExportFormat.KeypointTrc => OpenSimFiles.KeypointMarkersSuffix,
            FitExportFormat.Csv => CoordinateTable.Suffix,
            FitExportFormat.Json => JsonSuffix,
            FitExportFormat.Npz => FittedModelNpz.FileSuffix,
            FitExportFormat.Plot => JointAnglePlot.Suffix,
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown export format."),
        };
    }

    /// <summary>Writes one format (a temporary file moved into place).</summary>
    /// <param name="bodyModel">The model fitted: OpenSim's absolute translations need its rest positions.</param>
    /// <param name="plotCoordinates">For <see cref="FitExportFormat.Plot"/>; null: hip, knee and ankle flexion.</param>
    public static void Write(FitExportFormat format, string path, BiomechFitResult fit, BodyModel bodyModel, IReadOnlyList<string>? plotCoordinates = null)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(bodyModel);
        switch (format)
        {
            case FitExportFormat.Mot: OpenSimFiles.WriteMotion(path, fit, bodyModel.TranslationRestOffsetsMetres()); break;
            case FitExportFormat.Trc: OpenSimFiles.WriteMarkers(path, fit); break;
            case FitExportFormat.KeypointTrc: OpenSimFiles.WriteKeypointMarkers(path, fit); break;
            case FitExportFormat.Csv: CoordinateTable.Write(path, fit, bodyModel.TranslationRestOffsetsMetres()); break;
            case FitExportFormat.Json: WriteJson(path, fit, bodyModel.TranslationRestOffsetsMetres()); break;
            case FitExportFormat.Npz: FittedModelNpz.Write(path, fit); break;
            case FitExportFormat.Plot: JointAnglePlot.Write(path, fit, plotCoordinates); break;
            default: throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown export format.");
        }
    }

    /// <summary>
    /// The fit for scripts in any language: coordinates by name with kind, unit and values (degrees; translations
    /// absolute as in the .mot), timestamps, scale factors by group, the camera, the body model and the metrics.
    /// </summary>
    private static void WriteJson(string path, BiomechFitResult fit, IReadOnlyList<double> restOffsets) => AtomicFile.Write(path, stream =>
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("source", fit.Source);
        json.WriteString("bodyModel", fit.BodyModelName);
        json.WriteString("keypointSet", fit.KeypointSetName);
        json.WritePropertyName("timestampsSeconds");
        WriteNumbers(json, fit.TimestampsSeconds);
        json.WriteStartArray("coordinates");
        for (int d = 0; d < fit.Coordinates.Count; d++)
        {
            FitCoordinate c = fit.Coordinates[d];
            json.WriteStartObject();
            json.WriteString("name", c.Name);
            json.WriteString("kind", c.Kind.ToString());
            json.WriteString("unit", c.Kind == CoordinateKind.Rotation ? "degrees" : "metres");
            json.WritePropertyName("values");
            WriteNumbers(json, Enumerable.Range(0, fit.FrameCount).Select(t => OpenSimFiles.ExportedValue(fit, t, d, restOffsets)).ToArray());
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartObject("scaleIncrements");
        for (int g = 0; g < fit.ScaleGroupNames.Count; g++) json.WriteNumber(fit.ScaleGroupNames[g], fit.ScaleIncrements[g]);
        json.WriteEndObject();
        if (fit.Camera is { } k)
        {
            json.WriteStartObject("camera");
            json.WriteNumber("focalLengthXPixels", k.FocalLengthXPixels);
            json.WriteNumber("focalLengthYPixels", k.FocalLengthYPixels);
            json.WriteNumber("principalPointXPixels", k.PrincipalPointXPixels);
            json.WriteNumber("principalPointYPixels", k.PrincipalPointYPixels);
            json.WriteNumber("imageWidthPixels", k.ImageWidthPixels);
            json.WriteNumber("imageHeightPixels", k.ImageHeightPixels);
            json.WriteEndObject();
        }
        if (fit.Metrics is { } m)
        {
            json.WriteStartObject("metrics");
            json.WriteNumber("iterations", m.Iterations);
            json.WriteNumber("mean3dErrorMillimetres", m.Mean3dErrorMillimetres);
            json.WriteNumber("mean2dErrorPixels", m.Mean2dErrorPixels);
            json.WriteString("exitReason", m.ExitReason.ToString());
            json.WriteEndObject();
        }
        json.WriteEndObject();
    });

    private static void WriteNumbers(Utf8JsonWriter json, IReadOnlyList<double> values)
    {
        json.WriteStartArray();
        foreach (double v in values)
            if (double.IsFinite(v)) json.WriteNumberValue(v); else json.WriteNullValue(); // JSON has no NaN
        json.WriteEndArray();
    }
}
