using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Fitting;

namespace MonoBiomech.Engine.Formats;

/// <summary>
/// Upstream's <c>&lt;video&gt;_fitted_model.npz</c> (biomech-fit.md §5): <c>timestamps</c> (T,), <c>qpos</c>/<c>qvel</c> (T,40),
/// <c>sites</c> (T,87,3) m, <c>joints</c> (T,22,3) m, <c>scale</c> (8,1). Our frame is the z-up world of
/// <see cref="BiomechFitResult"/>, not upstream's camera frame, so we also store <c>camera_to_world</c> (3,3), <c>camera_position</c> (3,) and the names
/// (<c>coordinate_names</c>, <c>coordinate_kinds</c>, <c>site_names</c>, <c>body_names</c>, <c>scale_group_names</c>),
/// <c>site_offsets</c> (nsite,3), <c>swapped_frames</c> (1,) and the named <c>metrics</c> (<see cref="MetricNames"/>).
/// </summary>
public static class FittedModelNpz
{
    /// <summary>What upstream appends to a video's base name: <c>walk.mp4</c> gives <c>walk_fitted_model.npz</c>.</summary>
    public const string FileSuffix = "_fitted_model.npz";

    /// <summary>The entries of <c>metrics</c>, in order (<c>metric_names</c> in the file says the same).</summary>
    public static IReadOnlyList<string> MetricNames { get; } = new[]
    {
        "iterations", "pose_stage_iterations", "final_cost", "mean_3d_error_mm", "mean_2d_error_px", "elapsed_s", "exit_reason",
    };

    public static void Write(string path, BiomechFitResult result)
    {
        int frames = result.FrameCount, coordinates = result.Coordinates.Count;
        var arrays = new Dictionary<string, NpyArray>
        {
            ["timestamps"] = NpyArray.FromNumbers(result.TimestampsSeconds.ToArray(), new[] { frames }),
            ["qpos"] = NpyArray.FromNumbers(result.CoordinateValues.ToArray(), new[] { frames, coordinates }),
            ["qvel"] = NpyArray.FromNumbers(result.CoordinateVelocities.ToArray(), new[] { frames, coordinates }),
            ["sites"] = NpyArray.FromNumbers(result.SitePositionsMetres.ToArray(), new[] { frames, result.SiteNames.Count, 3 }),
            ["joints"] = NpyArray.FromNumbers(result.BodyPositionsMetres.ToArray(), new[] { frames, result.BodyNames.Count, 3 }),
            ["scale"] = NpyArray.FromNumbers(result.ScaleIncrements.ToArray(), new[] { result.ScaleIncrements.Count, 1 }),
            ["site_offsets"] = NpyArray.FromNumbers(result.SiteOffsetsMetres.ToArray(), new[] { result.SiteNames.Count, 3 }),
            ["camera_to_world"] = NpyArray.FromNumbers(result.CameraToWorldRotation.ToArray(), new[] { 3, 3 }),
            ["camera_position"] = NpyArray.FromNumbers(result.CameraPositionMetres.ToArray(), new[] { 3 }),
            ["coordinate_names"] = NpyArray.FromStrings(result.CoordinateNames),
            ["coordinate_kinds"] = NpyArray.FromStrings(result.Coordinates.Select(c => c.Kind.ToString()).ToArray()),
            ["site_names"] = NpyArray.FromStrings(result.SiteNames),
            ["body_names"] = NpyArray.FromStrings(result.BodyNames),
            ["scale_group_names"] = NpyArray.FromStrings(result.ScaleGroupNames),
            ["swapped_frames"] = NpyArray.FromNumbers(new double[] { result.SwappedFrames }, new[] { 1 }),
        };
        if (result.Metrics is FitMetrics m)
        {
            arrays["metrics"] = NpyArray.FromNumbers(new[] { m.Iterations, m.PoseStageIterations, m.FinalCost, m.Mean3dErrorMillimetres,
                m.Mean2dErrorPixels, m.Elapsed.TotalSeconds, (double)m.ExitReason }, new[] { MetricNames.Count });
            arrays["metric_names"] = NpyArray.FromStrings(MetricNames);
        }
        NpzArchive.Write(path, arrays);
    }

    /// <summary>
    /// Reads a file written by <see cref="Write"/> or by upstream. Upstream files name nothing: coordinate names and kinds
    /// come from <paramref name="namesFrom"/> when its coordinate count matches (upstream's qpos order is the models'),
    /// other names are generic; they carry no metrics (null, not invented zeros).
    /// </summary>
    public static BiomechFitResult Read(string path, BodyModel? namesFrom = null)
    {
        IReadOnlyDictionary<string, NpyArray> a = NpzArchive.Read(path);
        NpyArray timestamps = a.Require(path, "timestamps"), qpos = a.Require(path, "qpos"), qvel = a.Require(path, "qvel");
        NpyArray sites = a.Require(path, "sites"), joints = a.Require(path, "joints"), scale = a.Require(path, "scale");
        int frames = (int)timestamps.ElementCount;
        if (qpos.Shape.Length != 2 || qpos.Shape[0] != frames) throw new NpyFormatException(path, "qpos must have shape (T, nq).");
        int coordinates = qpos.Shape[1];
        if (!qvel.Shape.SequenceEqual(qpos.Shape)) throw new NpyFormatException(path, "qvel must have the shape of qpos.");
        if (sites.Shape.Length != 3 || sites.Shape[0] != frames || sites.Shape[2] != 3) throw new NpyFormatException(path, "sites must have shape (T, nsite, 3).");
        if (joints.Shape.Length != 3 || joints.Shape[0] != frames || joints.Shape[2] != 3) throw new NpyFormatException(path, "joints must have shape (T, nbody, 3).");
        int siteCount = sites.Shape[1], bodyCount = joints.Shape[1], groups = (int)scale.ElementCount;

        IReadOnlyList<string>? Stored(string key, int count)
        {
            if (!a.TryGetValue(key, out NpyArray? n)) return null;
            string[] s = n.Strings ?? throw new NpyFormatException(path, $"{key} must be strings.");
            return s.Length == count ? s : throw new NpyFormatException(path, $"{key} has {s.Length} names, expected {count}.");
        }
        IReadOnlyList<string> Names(string key, int count, string prefix) => Stored(key, count) ?? Enumerable.Range(0, count).Select(i => prefix + i).ToArray();
        double[]? Optional(string key, int count) => a.TryGetValue(key, out NpyArray? v) && v.ElementCount == count ? v.RequireNumbers(path, key) : null;

        bool modelNames = namesFrom is not null && namesFrom.CoordinateCount == coordinates;
        IReadOnlyList<string> coordinateNames = Stored("coordinate_names", coordinates)
            ?? (modelNames ? namesFrom!.Coordinates.Select(c => c.Name).ToArray() : Names("coordinate_names", coordinates, "q"));
        IReadOnlyList<string>? kinds = Stored("coordinate_kinds", coordinates);
        var fitCoordinates = new FitCoordinate[coordinates];
        for (int d = 0; d < coordinates; d++)
        {
            CoordinateKind kind;
            if (kinds is not null)
            {
                if (!Enum.TryParse(kinds[d], out kind)) throw new NpyFormatException(path, $"coordinate_kinds[{d}] is '{kinds[d]}', not Rotation or Translation.");
            }
            else
            {
                int index = namesFrom?.FindCoordinate(coordinateNames[d]) ?? -1;
                kind = index >= 0 ? namesFrom!.Coordinates[index].Kind : CoordinateKind.Rotation;
            }
            fitCoordinates[d] = new FitCoordinate(coordinateNames[d], kind);
        }

        double[]? metrics = Optional("metrics", MetricNames.Count);
        double[] rotation = Optional("camera_to_world", 9) ?? new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
        return new BiomechFitResult
        {
            Source = path,
            TimestampsSeconds = Array.AsReadOnly(timestamps.RequireNumbers(path, "timestamps")),
            Coordinates = fitCoordinates,
            CoordinateValues = Array.AsReadOnly(qpos.RequireNumbers(path, "qpos")),
            CoordinateVelocities = Array.AsReadOnly(qvel.RequireNumbers(path, "qvel")),
            SiteNames = Names("site_names", siteCount, "site"),
            SitePositionsMetres = Array.AsReadOnly(sites.RequireNumbers(path, "sites")),
            BodyNames = Names("body_names", bodyCount, "body"),
            BodyPositionsMetres = Array.AsReadOnly(joints.RequireNumbers(path, "joints")),
            ScaleGroupNames = Names("scale_group_names", groups, "group"),
            ScaleIncrements = Array.AsReadOnly(scale.RequireNumbers(path, "scale")),
            SiteOffsetsMetres = Array.AsReadOnly(Optional("site_offsets", siteCount * 3) ?? new double[siteCount * 3]),
            CameraToWorldRotation = Array.AsReadOnly(rotation),
            CameraPositionMetres = Array.AsReadOnly(Optional("camera_position", 3) ?? new double[3]),
            Metrics = metrics is null ? null : new FitMetrics((int)metrics[0], (int)metrics[1], metrics[2], metrics[3], metrics[4],
                TimeSpan.FromSeconds(metrics[5]), (FitExitReason)(int)metrics[6]),
            SwappedFrames = (int)(Optional("swapped_frames", 1)?[0] ?? 0),
        };
    }
}
