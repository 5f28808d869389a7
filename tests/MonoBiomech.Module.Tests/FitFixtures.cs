using System.Reflection;

namespace MonoBiomech.Module.Tests;

/// <summary>
/// Synthetic keypoint files with known ground truth, made by the engine the module loaded (its own load context), through
/// reflection: this project must not reference the engine, or the engine would load into the default context and the
/// isolation tests would prove nothing. Uses the engine's internal SyntheticMotion generator, KeypointsNpz and NpzArchive.
/// Public contract types (PoseSequence, SessionCacheKey) are made by scripts in the fixture's runspace, as a user would.
/// </summary>
public sealed class FitFixtures : IDisposable
{
    private const BindingFlags AnyStatic = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static;
    private const BindingFlags AnyInstance = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;

    private readonly HostedModule _host;
    private readonly Assembly _engine;
    private readonly object _bodyModel;

    public FitFixtures()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("mb-fit-").FullName;
        // Importing and touching the engine creates the module's load context; the assembly then stays loaded for the process.
        _host = HostedModule.Import();
        _host.Run("$null = Get-MonoBiomechCache");
        _engine = AppDomain.CurrentDomain.GetAssemblies().Single(a => a.GetName().Name == "MonoBiomech.Engine");
        _bodyModel = EngineType("BodyModels.BodyModel").GetMethod("LoadMjcf", AnyStatic)!.Invoke(null, new object[] { BodyModelPath })!;
    }

    public string Directory { get; }

    public static string BodyModelPath { get; } = Path.Combine(HostedModule.ModuleDirectory, "models", "monobiomech_body.xml");

    public void Dispose()
    {
        _host.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
    }

    /// <summary>A noise-free synthetic walk written as &lt;name&gt;_keypoints.npz (with our camera, names and timestamps).</summary>
    public SyntheticClip WriteWalkingClip(string folder, string name, int frames, int seed, double scaleRange = 0.05)
    {
        object video = GenerateWalking(frames, seed, name, scaleRange);
        object keypoints = Property(video, "Keypoints");
        string path = Path.Combine(CreateFolder(folder), name + "_keypoints.npz");
        EngineType("Formats.KeypointsNpz").GetMethod("Write", AnyStatic)!.Invoke(null, new[] { path, keypoints });
        return new SyntheticClip(path, (double[])Property(video, "TrueCoordinates"), CoordinateNames(), (double[])Property(video, "TrueScales"));
    }

    /// <summary>
    /// A synthetic walk written as upstream writes it: keypoints3d, keypoints2d, confs and boxes in bml_movi_87 order, and
    /// no camera, names or timestamps (for the camera-default paths).
    /// </summary>
    public string WriteUpstreamStyleClip(string folder, string name, int frames, int seed)
    {
        object keypoints = Property(GenerateWalking(frames, seed, name, 0.05), "Keypoints");
        var siteOrder = ((IReadOnlyList<string>)Property(keypoints, "JointNames")).ToList();
        var moviOrder = (IReadOnlyList<string>)EngineType("Formats.KeypointsNpz").GetProperty("BmlMovi87JointNames", AnyStatic)!.GetValue(null)!;
        int[] fromSite = moviOrder.Select(n => siteOrder.IndexOf(n)).ToArray();
        Assert.DoesNotContain(-1, fromSite);
        int joints = fromSite.Length;
        double[] InMoviOrder(string property, int width)
        {
            double[] values = (double[])Property(keypoints, property);
            var reordered = new double[values.Length];
            for (int t = 0; t < frames; t++)
                for (int j = 0; j < joints; j++)
                    Array.Copy(values, (t * joints + fromSite[j]) * width, reordered, (t * joints + j) * width, width);
            return reordered;
        }

        Type npyArray = EngineType("Formats.NpyArray");
        Type numberType = EngineType("Formats.NpyDataType");
        MethodInfo fromNumbers = npyArray.GetMethod("FromNumbers", AnyStatic)!;
        object NumberArray(double[] values, params int[] shape) => fromNumbers.Invoke(null, new object[] { values, shape, Enum.Parse(numberType, "Float64") })!;
        var arrays = (System.Collections.IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(typeof(string), npyArray))!;
        arrays["keypoints3d"] = NumberArray(InMoviOrder("Keypoints3dMillimetres", 3), frames, joints, 3);
        arrays["keypoints2d"] = NumberArray(InMoviOrder("Keypoints2dPixels", 2), frames, joints, 2);
        arrays["confs"] = NumberArray(InMoviOrder("Confidences", 1), frames, joints);
        arrays["boxes"] = NumberArray(new double[frames * 5], frames, 5);
        string path = Path.Combine(CreateFolder(folder), name + "_keypoints.npz");
        EngineType("Formats.NpzArchive").GetMethod("Write", AnyStatic)!.Invoke(null, new object[] { path, arrays, true });
        return path;
    }

    /// <summary>The clip's keypoints as a PoseSequence (what a pose-estimation stage emits), with only the first <paramref name="keepFrames"/> frames when given.</summary>
    public object PoseSequence(int frames, int seed, string source, int? keepFrames = null)
    {
        object keypoints = Property(GenerateWalking(frames, seed, source, 0.05), "Keypoints");
        if (keepFrames is not int kept)
            return keypoints;
        int joints = ((IReadOnlyList<string>)Property(keypoints, "JointNames")).Count;
        double[] Take(string property, int perFrame) => ((double[])Property(keypoints, property))[..(kept * perFrame)];
        return _host.Run("""
            param($k, $t, $k3, $k2, $c)
            [MonoBiomech.Pose.PoseSequence]::new($k.Source, $k.JointNames, $t, $k3, $k2, $c, $k.Camera)
            """, new Dictionary<string, object?>
        {
            ["k"] = keypoints, ["t"] = Take("TimestampsSeconds", 1), ["k3"] = Take("Keypoints3dMillimetres", joints * 3),
            ["k2"] = Take("Keypoints2dPixels", joints * 2), ["c"] = Take("Confidences", joints),
        }).Single().BaseObject;
    }

    /// <summary>Puts a PoseSequence into the process-wide session cache under the video's current identity and the given stage.</summary>
    public void CacheKeypoints(string videoPath, object poseSequence, string stage)
    {
        object key = _host.Run("param($p, $s) [MonoBiomech.Caching.SessionCacheKey]::new([MonoBiomech.Caching.VideoFileIdentity]::Of($p), $s, 'test')",
            new Dictionary<string, object?> { ["p"] = videoPath, ["s"] = stage }).Single().BaseObject;
        Type cacheType = EngineType("Caching.SessionCache");
        object shared = cacheType.GetProperty("Shared", AnyStatic)!.GetValue(null)!;
        cacheType.GetMethod("Set", AnyInstance)!.Invoke(shared, new[] { key, poseSequence, 1000L });
    }

    private object GenerateWalking(int frames, int seed, string source, double scaleRange)
    {
        Type synthetic = EngineType("Fitting.SyntheticMotion");
        var scales = synthetic.GetMethod("RandomScales", AnyStatic)!.Invoke(null, new object[] { _bodyModel, new Random(seed), scaleRange })!;
        object walking = Enum.Parse(EngineType("Fitting.SyntheticMotionKind"), "Walking");
        object noNoise = EngineType("Fitting.SyntheticNoise").GetProperty("None", AnyStatic)!.GetValue(null)!;
        MethodInfo generate = synthetic.GetMethod("Generate", AnyStatic)!;
        object?[] arguments = { _bodyModel, walking, frames, 30.0, scales, noNoise, seed, source };
        // optional parameters added later (view angle, ...) keep their defaults
        object?[] withDefaults = generate.GetParameters().Select((p, i) => i < arguments.Length ? arguments[i] : p.DefaultValue).ToArray();
        return generate.Invoke(null, withDefaults)!;
    }

    private string[] CoordinateNames()
    {
        var coordinates = (System.Collections.IEnumerable)Property(_bodyModel, "Coordinates");
        return coordinates.Cast<object>().Select(c => (string)Property(c, "Name")).ToArray();
    }

    private string CreateFolder(string folder) => System.IO.Directory.CreateDirectory(Path.Combine(Directory, folder)).FullName;

    private Type EngineType(string name) => _engine.GetType("MonoBiomech.Engine." + name, throwOnError: true)!;

    private static object Property(object instance, string name) =>
        instance.GetType().GetProperty(name, AnyInstance)!.GetValue(instance)!;
}

/// <summary>A keypoint file and the motion it was generated from (model coordinate order, radians/metres).</summary>
public sealed record SyntheticClip(string KeypointsPath, double[] TrueCoordinates, string[] CoordinateNames, double[] TrueScales);
