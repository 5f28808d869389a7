using MonoBiomech.Fitting;

namespace MonoBiomech.Engine.Formats;

/// <summary>
/// Upstream's <c>&lt;video&gt;_fitted_model.npz</c> (biomech-fit.md §5): <c>timestamps</c> (T,), <c>qpos</c>/<c>qvel</c> (T,40),
/// <c>sites</c> (T,87,3) m, <c>joints</c> (T,22,3) m, <c>scale</c> (8,1). Our frame is the z-up world of
/// <see cref="BiomechFitResult"/>, not upstream's camera frame, so we also store <c>camera_to_world</c> (3,3), <c>camera_position</c> (3,) and the names
/// (<c>coordinate_names</c>, <c>site_names</c>, <c>body_names</c>, <c>scale_group_names</c>) and <c>site_offsets</c> (87,3).
/// </summary>
public static class FittedModelNpz
{
    /// <summary>What upstream appends to a video's base name: <c>walk.mp4</c> gives <c>walk_fitted_model.npz</c>.</summary>
    public const string FileSuffix = "_fitted_model.npz";

    public static void Write(string path, BiomechFitResult result)
    {
        int frames = result.FrameCount;
        NpzArchive.Write(path, new Dictionary<string, NpyArray>
        {
            ["timestamps"] = NpyArray.FromNumbers(result.TimestampsSeconds, new[] { frames }),
            ["qpos"] = NpyArray.FromNumbers(result.Coordinates, new[] { frames, result.CoordinateNames.Count }),
            ["qvel"] = NpyArray.FromNumbers(result.CoordinateVelocities, new[] { frames, result.CoordinateNames.Count }),
            ["sites"] = NpyArray.FromNumbers(result.SitePositionsMetres, new[] { frames, result.SiteNames.Count, 3 }),
            ["joints"] = NpyArray.FromNumbers(result.BodyPositionsMetres, new[] { frames, result.BodyNames.Count, 3 }),
            ["scale"] = NpyArray.FromNumbers(result.BodyScales, new[] { result.BodyScales.Length, 1 }),
            ["site_offsets"] = NpyArray.FromNumbers(result.SiteOffsetsMetres, new[] { result.SiteNames.Count, 3 }),
            ["camera_to_world"] = NpyArray.FromNumbers(result.CameraToWorldRotation, new[] { 3, 3 }),
            ["camera_position"] = NpyArray.FromNumbers(result.CameraPositionMetres, new[] { 3 }),
            ["coordinate_names"] = NpyArray.FromStrings(result.CoordinateNames),
            ["site_names"] = NpyArray.FromStrings(result.SiteNames),
            ["body_names"] = NpyArray.FromStrings(result.BodyNames),
            ["scale_group_names"] = NpyArray.FromStrings(result.ScaleGroupNames),
            ["metrics"] = NpyArray.FromNumbers(new[] { result.Metrics.Iterations, result.Metrics.FinalCost, result.Metrics.Mean3dErrorMillimetres,
                result.Metrics.Mean2dErrorPixels, result.Metrics.Elapsed.TotalSeconds, result.Metrics.Converged ? 1.0 : 0.0 }, new[] { 6 }),
        });
    }

    /// <summary>Reads a file written by <see cref="Write"/>; upstream files (without names) get generic names.</summary>
    public static BiomechFitResult Read(string path)
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

        IReadOnlyList<string> Names(string key, int count, string prefix)
        {
            if (!a.TryGetValue(key, out NpyArray? n)) return Enumerable.Range(0, count).Select(i => prefix + i).ToArray();
            string[] s = n.Strings ?? throw new NpyFormatException(path, $"{key} must be strings.");
            return s.Length == count ? s : throw new NpyFormatException(path, $"{key} has {s.Length} names, expected {count}.");
        }

        // Upstream's files store no metrics: their errors and cost are unknown (NaN), not a perfect 0.
        double[] metrics = a.TryGetValue("metrics", out NpyArray? m) && m.ElementCount == 6
            ? m.RequireNumbers(path, "metrics")
            : new[] { 0, double.NaN, double.NaN, double.NaN, 0, 0 };
        double[] rotation = a.TryGetValue("camera_to_world", out NpyArray? r) && r.ElementCount == 9 ? r.RequireNumbers(path, "camera_to_world") : new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
        double[] cameraPosition = a.TryGetValue("camera_position", out NpyArray? cp) && cp.ElementCount == 3 ? cp.RequireNumbers(path, "camera_position") : new double[3];
        double[] offsets = a.TryGetValue("site_offsets", out NpyArray? o) && o.ElementCount == siteCount * 3 ? o.RequireNumbers(path, "site_offsets") : new double[siteCount * 3];
        return new BiomechFitResult
        {
            Source = path,
            TimestampsSeconds = timestamps.RequireNumbers(path, "timestamps"),
            CoordinateNames = Names("coordinate_names", coordinates, "q"),
            Coordinates = qpos.RequireNumbers(path, "qpos"),
            CoordinateVelocities = qvel.RequireNumbers(path, "qvel"),
            SiteNames = Names("site_names", siteCount, "site"),
            SitePositionsMetres = sites.RequireNumbers(path, "sites"),
            BodyNames = Names("body_names", bodyCount, "body"),
            BodyPositionsMetres = joints.RequireNumbers(path, "joints"),
            ScaleGroupNames = Names("scale_group_names", groups, "group"),
            BodyScales = scale.RequireNumbers(path, "scale"),
            SiteOffsetsMetres = offsets,
            CameraToWorldRotation = rotation,
            CameraPositionMetres = cameraPosition,
            Metrics = new FitMetrics((int)metrics[0], metrics[1], metrics[2], metrics[3], TimeSpan.FromSeconds(metrics[4]), metrics[5] != 0),
        };
    }
}
