using MonoBiomech.Engine.Fitting;
using MonoBiomech.Engine.Formats;
using MonoBiomech.Fitting;
using MonoBiomech.Pose;

namespace MonoBiomech.Engine.Tests.Formats;

public sealed class KeypointAndModelFileTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("npz-files").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData("/data/walk_keypoints.npz", "walk")]
    [InlineData("/data/walk_KEYPOINTS.NPZ", "walk")]
    [InlineData("/data/walk.mp4", "walk")]
    [InlineData("/data/walk.npz", "walk")]
    [InlineData("/data/my_keypoints_v2.npz", "my_keypoints_v2")]
    public void OutputsShareTheVideosBaseName(string path, string baseName)
    {
        Assert.Equal(baseName, KeypointsNpz.BaseName(path));
        Assert.Equal("walk_fitted_model.npz", KeypointsNpz.BaseName("walk_keypoints.npz") + FittedModelNpz.FileSuffix);
    }

    private static PoseSequence Sample(int frames = 4)
    {
        int joints = KeypointsNpz.BmlMovi87JointNames.Count;
        var random = new Random(3);
        double[] k3 = Enumerable.Range(0, frames * joints * 3).Select(_ => 1000 + random.NextDouble() * 500).ToArray();
        double[] k2 = Enumerable.Range(0, frames * joints * 2).Select(_ => random.NextDouble() * 1000).ToArray();
        double[] c = Enumerable.Range(0, frames * joints).Select(_ => random.NextDouble()).ToArray();
        return new PoseSequence("clip.mp4", KeypointsNpz.BmlMovi87JointNames, Enumerable.Range(0, frames).Select(t => t / 25.0).ToArray(),
            k3, k2, c, CameraIntrinsics.FromFieldOfView(1920, 1080));
    }

    [Fact]
    public void KeypointFileRoundTrips()
    {
        PoseSequence original = Sample();
        string path = Path.Combine(folder, "clip_keypoints.npz");
        KeypointsNpz.Write(path, original);
        KeypointsFile file = KeypointsNpz.Read(path);
        Assert.Equal(original.Camera, file.Camera);
        Assert.Equal(original.TimestampsSeconds, file.TimestampsSeconds);
        PoseSequence read = file.ToPoseSequence(CameraIntrinsics.UpstreamSamsungS20, framesPerSecondIfNone: 1);
        Assert.Equal(original.JointNames, read.JointNames);
        Assert.Equal(original.TimestampsSeconds, read.TimestampsSeconds);
        Assert.Equal(original.Keypoints3dMillimetres, read.Keypoints3dMillimetres);
        Assert.Equal(original.Keypoints2dPixels, read.Keypoints2dPixels);
        Assert.Equal(original.Confidences, read.Confidences);
        Assert.Equal(original.Camera, read.Camera);
    }

    [Fact]
    public void BodyRelativeKeypointsKeepTheirSetModelAndMissingFramesThroughAFile()
    {
        PoseSequence sample = Sample(3);
        double[] k3 = (double[])sample.Keypoints3dMillimetres.Clone(), k2 = (double[])sample.Keypoints2dPixels.Clone(), c = (double[])sample.Confidences.Clone();
        int joints = sample.JointCount;
        Array.Fill(k3, double.NaN, joints * 3, joints * 3); // frame 1: no subject
        Array.Fill(k2, double.NaN, joints * 2, joints * 2);
        Array.Clear(c, joints, joints);
        var original = new PoseSequence("clip.mp4", sample.JointNames, sample.TimestampsSeconds, k3, k2, c, sample.Camera)
        {
            KeypointSetName = "blazepose_33", Keypoints3dAreRootRelative = true, PoseModelDescription = "BlazePose GHUM 3D Full (pose_landmark_full.tflite)",
            VideoDecoderDescription = "ffmpeg (/usr/bin/ffmpeg)",
        };
        string path = Path.Combine(folder, "relative_keypoints.npz");
        KeypointsNpz.Write(path, original);
        PoseSequence read = KeypointsNpz.Read(path).ToPoseSequence(CameraIntrinsics.UpstreamSamsungS20, framesPerSecondIfNone: 1);
        Assert.Equal(("blazepose_33", true, original.PoseModelDescription, original.VideoDecoderDescription),
            (read.KeypointSetName, read.Keypoints3dAreRootRelative, read.PoseModelDescription, read.VideoDecoderDescription));
        Assert.Equal(original.Keypoints3dMillimetres, read.Keypoints3dMillimetres); // NaN stays NaN, never zeros
        Assert.Equal(original.Confidences, read.Confidences);
        Assert.Equal(2, read.FramesWithKeypoints);
        string absolutePath = Path.Combine(folder, "absolute_keypoints.npz");
        KeypointsNpz.Write(absolutePath, Sample(3));
        Assert.False(KeypointsNpz.Read(absolutePath).Keypoints3dAreRootRelative);
    }

    [Fact]
    public void UpstreamKeypointFileGetsZeroConfidenceForZeroFilledFrames()
    {
        // As upstream writes it: no names, times or camera; a frame without detection is all zeros, confs faked to 1.
        const int frames = 3, joints = 87;
        var k3 = Enumerable.Range(0, frames * joints * 3).Select(i => 500.0 + i).ToArray();
        Array.Clear(k3, joints * 3, joints * 3);
        string path = Path.Combine(folder, "upstream_keypoints.npz");
        NpzArchive.Write(path, new Dictionary<string, NpyArray>
        {
            ["boxes"] = NpyArray.FromNumbers(new double[frames * 5], new[] { frames, 5 }),
            ["keypoints3d"] = NpyArray.FromNumbers(k3, new[] { frames, joints, 3 }, NpyDataType.Float32),
            ["keypoints2d"] = NpyArray.FromNumbers(new double[frames * joints * 2], new[] { frames, joints, 2 }, NpyDataType.Float32),
            ["confs"] = NpyArray.FromNumbers(Enumerable.Repeat(1.0, frames * joints).ToArray(), new[] { frames, joints }, NpyDataType.Float32),
        });
        KeypointsFile file = KeypointsNpz.Read(path);
        Assert.Null(file.Camera);
        Assert.Null(file.TimestampsSeconds);
        PoseSequence read = file.ToPoseSequence(CameraIntrinsics.FromFieldOfView(1920, 1080), framesPerSecondIfNone: 50);
        Assert.Equal(CameraIntrinsics.FromFieldOfView(1920, 1080), read.Camera);
        Assert.Equal(new[] { 0, 0.02, 0.04 }, read.TimestampsSeconds);
        Assert.All(read.Confidences.Skip(joints).Take(joints), c => Assert.Equal(0, c));
        Assert.All(read.Confidences.Take(joints), c => Assert.Equal(1, c));
        Assert.Equal("backneck", read.JointNames[0]);
    }

    [Fact]
    public void FittedModelFileRoundTripsAndHasUpstreamKeys()
    {
        const int frames = 5;
        var result = new BiomechFitResult
        {
            Source = "clip.mp4",
            TimestampsSeconds = Enumerable.Range(0, frames).Select(t => t / 30.0).ToArray(),
            Coordinates = new[] { new FitCoordinate("a", CoordinateKind.Rotation), new FitCoordinate("b", CoordinateKind.Translation) },
            CoordinateValues = Enumerable.Range(0, frames * 2).Select(i => i * 0.1).ToArray(),
            CoordinateVelocities = Enumerable.Range(0, frames * 2).Select(i => i * 0.2).ToArray(),
            SiteNames = new[] { "s1", "s2", "s3" },
            SitePositionsMetres = Enumerable.Range(0, frames * 9).Select(i => i * 0.01).ToArray(),
            BodyNames = new[] { "world", "pelvis" },
            BodyPositionsMetres = Enumerable.Range(0, frames * 6).Select(i => i * 0.02).ToArray(),
            ScaleGroupNames = new[] { "overall" },
            ScaleIncrements = new[] { 0.03 },
            SiteOffsetsMetres = new double[9],
            CameraToWorldRotation = new double[] { 1, 0, 0, 0, 0, 1, 0, -1, 0 },
            CameraPositionMetres = new double[] { 0, 0, 1.45 },
            Metrics = new FitMetrics(12, 4, 0.5, 11.5, 2.25, TimeSpan.FromSeconds(1.5), FitExitReason.IterationLimit),
            SwappedFrames = 3,
        };
        string path = Path.Combine(folder, "clip_fitted_model.npz");
        FittedModelNpz.Write(path, result);
        IReadOnlyDictionary<string, NpyArray> raw = NpzArchive.Read(path);
        foreach (string key in new[] { "timestamps", "qpos", "qvel", "sites", "joints", "scale" }) Assert.True(raw.ContainsKey(key), key);
        Assert.Equal(new[] { 1, 1 }, raw["scale"].Shape);
        Assert.Equal(new[] { frames, 3, 3 }, raw["sites"].Shape);

        BiomechFitResult read = FittedModelNpz.Read(path);
        Assert.Equal(result.CoordinateValues, read.CoordinateValues);
        Assert.Equal(result.CoordinateVelocities, read.CoordinateVelocities);
        Assert.Equal(result.SitePositionsMetres, read.SitePositionsMetres);
        Assert.Equal(result.BodyPositionsMetres, read.BodyPositionsMetres);
        Assert.Equal(result.CoordinateNames, read.CoordinateNames);
        Assert.Equal(result.CameraToWorldRotation, read.CameraToWorldRotation);
        Assert.Equal(result.CameraPositionMetres, read.CameraPositionMetres);
        Assert.Equal(result.Metrics, read.Metrics);
        Assert.Equal(result.Coordinates, read.Coordinates);
        Assert.Equal(result.ScaleIncrements, read.ScaleIncrements);
        Assert.Equal(3, read.SwappedFrames);
        Assert.Equal(new[] { 0.0, 0.1 * 2 * 180 / Math.PI, 0.4 * 180 / Math.PI }, read.Coordinate("a", AngleUnit.Degrees).Take(3), new ToleranceComparer(1e-12));
        Assert.Equal(new[] { 0.1, 0.3 }, read.Coordinate("b", AngleUnit.Degrees).Take(2), new ToleranceComparer(1e-12)); // metres stay metres
        Assert.Throws<ArgumentException>(() => read.Coordinate("c"));
    }

    [Fact]
    public void UpstreamFittedModelFileHasNoInventedMetricsAndTakesNamesFromTheModel()
    {
        var model = MonoBiomech.Engine.Tests.Fitting.FitTestData.Load(MonoBiomech.Engine.Tests.Fitting.FitTestData.Own);
        int frames = 2, n = model.CoordinateCount;
        string path = Path.Combine(folder, "upstream_fitted_model.npz");
        NpzArchive.Write(path, new Dictionary<string, NpyArray>
        {
            ["timestamps"] = NpyArray.FromNumbers(new double[] { 0, 1 / 30.0 }, new[] { frames }),
            ["qpos"] = NpyArray.FromNumbers(new double[frames * n], new[] { frames, n }),
            ["qvel"] = NpyArray.FromNumbers(new double[frames * n], new[] { frames, n }),
            ["sites"] = NpyArray.FromNumbers(new double[frames * 87 * 3], new[] { frames, 87, 3 }),
            ["joints"] = NpyArray.FromNumbers(new double[frames * 22 * 3], new[] { frames, 22, 3 }),
            ["scale"] = NpyArray.FromNumbers(new double[8], new[] { 8, 1 }),
        });
        BiomechFitResult read = FittedModelNpz.Read(path, model);
        Assert.Null(read.Metrics);
        Assert.Equal(model.Coordinates.Select(c => c.Name), read.CoordinateNames);
        Assert.Equal(CoordinateKind.Translation, read.Coordinates[read.IndexOfCoordinate("pelvis_tx")].Kind);
        Assert.Equal(CoordinateKind.Rotation, read.Coordinates[read.IndexOfCoordinate("knee_angle_r")].Kind);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double value) => 0;
    }

    [Fact]
    public void FittedModelFileWithoutQposIsAFormatError()
    {
        string path = Path.Combine(folder, "broken_fitted_model.npz");
        NpzArchive.Write(path, new Dictionary<string, NpyArray> { ["timestamps"] = NpyArray.FromNumbers(new double[] { 0 }, new[] { 1 }) });
        var e = Assert.Throws<NpyFormatException>(() => FittedModelNpz.Read(path));
        Assert.Contains("qpos", e.Message);
        Assert.Contains("broken_fitted_model.npz", e.Message);
    }
}
