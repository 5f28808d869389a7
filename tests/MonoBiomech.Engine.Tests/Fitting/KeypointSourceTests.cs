using MonoBiomech.Engine.Caching;
using MonoBiomech.Engine.Fitting;
using MonoBiomech.Engine.Formats;
using MonoBiomech.Engine.Tests.TestSupport;
using MonoBiomech.Pose;

namespace MonoBiomech.Engine.Tests.Fitting;

/// <summary>Where the camera and the frame timing of keypoints come from, and what the caller is warned about.</summary>
public sealed class KeypointSourceTests : IDisposable
{
    private const int Frames = 4, Joints = 87;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>A keypoint file as upstream writes it: no camera, names or timestamps.</summary>
    private string WriteUpstreamFile(string name)
    {
        string path = _folder.File(name + KeypointsNpz.FileSuffix);
        NpzArchive.Write(path, new Dictionary<string, NpyArray>
        {
            ["keypoints3d"] = NpyArray.FromNumbers(Enumerable.Range(0, Frames * Joints * 3).Select(i => 1000.0 + i).ToArray(), new[] { Frames, Joints, 3 }),
            ["keypoints2d"] = NpyArray.FromNumbers(new double[Frames * Joints * 2], new[] { Frames, Joints, 2 }),
            ["confs"] = NpyArray.FromNumbers(Enumerable.Repeat(1.0, Frames * Joints).ToArray(), new[] { Frames, Joints }),
        });
        return path;
    }

    private static ResolvedKeypoints Resolve(string path, CameraOverride? camera = null, double? framesPerSecond = null, SessionCache? cache = null) =>
        KeypointSource.Resolve(path, camera ?? CameraOverride.None, framesPerSecond, cache ?? new SessionCache());

    private static KeypointProvenance Provenance(KeypointValueOrigin focal, KeypointValueOrigin width, KeypointValueOrigin height, KeypointValueOrigin timing, string? video = null) =>
        new(focal, width, height, timing, video);

    [Fact]
    public void WithoutCameraVideoOrParametersUpstreamsDefaultsAreAssumedWithOneWarning()
    {
        string path = WriteUpstreamFile("lonely");
        ResolvedKeypoints resolved = Resolve(path);

        Assert.Equal(CameraIntrinsics.UpstreamSamsungS20, resolved.Sequence.Camera);
        Assert.Equal(new[] { 0, 1 / 30.0, 2 / 30.0, 3 / 30.0 }, resolved.Sequence.TimestampsSeconds);
        var d = KeypointValueOrigin.UpstreamDefault;
        Assert.Equal(Provenance(d, d, d, d), resolved.Provenance);
        var warning = Assert.Single(resolved.Warnings);
        Assert.Equal(KeypointSourceWarningKind.UpstreamDefaultsAssumed, warning.Kind);
        Assert.Equal($"'{path}' stores no camera and no timestamps and no readable video of the same name is beside it: " +
                     "assuming upstream's Samsung S20 camera (fx = fy = 1433.33 px, 1080x1920) and 30 frames/s.", warning.Message);
    }

    [Fact]
    public void AnImageSizeAloneGivesA55DegreeCameraAndNoCameraWarning()
    {
        ResolvedKeypoints resolved = Resolve(WriteUpstreamFile("sized"), new CameraOverride(ImageWidthPixels: 1920, ImageHeightPixels: 1080));

        Assert.Equal(CameraIntrinsics.FromFieldOfView(1920, 1080), resolved.Sequence.Camera);
        Assert.Equal(Provenance(KeypointValueOrigin.FieldOfView, KeypointValueOrigin.Caller, KeypointValueOrigin.Caller, KeypointValueOrigin.UpstreamDefault),
            resolved.Provenance);
        Assert.EndsWith("stores no camera and no timestamps and no readable video of the same name is beside it: assuming 30 frames/s.",
            Assert.Single(resolved.Warnings).Message);
        Assert.Empty(Resolve(WriteUpstreamFile("sized_timed"), new CameraOverride(ImageWidthPixels: 1920, ImageHeightPixels: 1080), framesPerSecond: 50).Warnings);
    }

    [Fact]
    public void AFocalLengthAloneKeepsUpstreamsImageSizeAndSaysSo()
    {
        ResolvedKeypoints resolved = Resolve(WriteUpstreamFile("focal"), new CameraOverride(FocalLengthPixels: 1500), framesPerSecond: 25);

        Assert.Equal(CameraIntrinsics.Centred(1500, 1080, 1920), resolved.Sequence.Camera);
        Assert.Equal(0.04, resolved.Sequence.TimestampsSeconds[1], 12);
        Assert.Equal(Provenance(KeypointValueOrigin.Caller, KeypointValueOrigin.UpstreamDefault, KeypointValueOrigin.UpstreamDefault, KeypointValueOrigin.Caller),
            resolved.Provenance);
        Assert.EndsWith("assuming the image size of upstream's Samsung S20 camera (1080x1920).", Assert.Single(resolved.Warnings).Message);
    }

    [Fact]
    public void AVideoBesideGivesSizeFrameRateAndA55DegreeFieldOfView()
    {
        string path = WriteUpstreamFile("walk");
        string video = _folder.File("walk.MP4"); // any letter case
        TestClips.WriteMovingRectangle(video, frames: 10, width: 160, height: 120, fps: 25);
        ResolvedKeypoints resolved = Resolve(path);

        Assert.Equal(CameraIntrinsics.FromFieldOfView(160, 120), resolved.Sequence.Camera);
        Assert.Equal(0.04, resolved.Sequence.TimestampsSeconds[1], 12);
        var v = KeypointValueOrigin.VideoBeside;
        Assert.Equal(Provenance(v, v, v, v, video), resolved.Provenance);
        Assert.Empty(resolved.Warnings);
        Assert.Contains("walk.MP4", resolved.Describe());

        // the caller's values still win over the video's
        ResolvedKeypoints overridden = Resolve(path, new CameraOverride(FocalLengthPixels: 900), framesPerSecond: 50);
        Assert.Equal(CameraIntrinsics.Centred(900, 160, 120), overridden.Sequence.Camera);
        Assert.Equal(0.02, overridden.Sequence.TimestampsSeconds[1], 12);
    }

    [Fact]
    public void AnUnreadableVideoBesideIsReportedAndSkipped()
    {
        string path = WriteUpstreamFile("damaged");
        File.WriteAllText(_folder.File("damaged.mov"), "not a video");
        ResolvedKeypoints resolved = Resolve(path);

        Assert.Equal(new[] { KeypointSourceWarningKind.VideoBesideUnreadable, KeypointSourceWarningKind.UpstreamDefaultsAssumed },
            resolved.Warnings.Select(w => w.Kind));
        Assert.Contains("damaged.mov", resolved.Warnings[0].Message);
        Assert.Equal(CameraIntrinsics.UpstreamSamsungS20, resolved.Sequence.Camera);
    }

    [Fact]
    public void AFileThatStoresItsCameraAndTimesNeedsNoVideo()
    {
        var camera = CameraIntrinsics.FromFieldOfView(640, 480);
        string path = _folder.File("ours" + KeypointsNpz.FileSuffix);
        KeypointsNpz.Write(path, new PoseSequence("ours.mp4", KeypointsNpz.BmlMovi87JointNames, new[] { 0, 0.1, 0.2, 0.3 },
            new double[Frames * Joints * 3], new double[Frames * Joints * 2], new double[Frames * Joints], camera));
        File.WriteAllText(_folder.File("ours.mp4"), "never opened"); // an unreadable video would warn if it were probed

        ResolvedKeypoints resolved = Resolve(path);
        Assert.Equal(camera, resolved.Sequence.Camera);
        var stored = KeypointValueOrigin.StoredWithKeypoints;
        Assert.Equal(Provenance(stored, stored, stored, stored), resolved.Provenance);
        Assert.Empty(resolved.Warnings);

        ResolvedKeypoints resized = Resolve(path, new CameraOverride(ImageWidthPixels: 1280, ImageHeightPixels: 960));
        Assert.Equal(CameraIntrinsics.FromFieldOfView(1280, 960), resized.Sequence.Camera);
        Assert.Equal(new[] { 0, 0.1, 0.2, 0.3 }, resized.Sequence.TimestampsSeconds);
    }

    [Fact]
    public void AVideoPathTakesTheNewestCachedKeypointsOrSaysWhatToPassInstead()
    {
        string video = _folder.File("cached.mp4");
        File.WriteAllBytes(video, new byte[] { 1, 2, 3 });
        var cache = new SessionCache(new SteppingClock());
        var e = Assert.Throws<KeypointsNotCachedException>(() => Resolve(video, cache: cache));
        Assert.Equal(video, e.VideoPath);
        Assert.Contains("_keypoints.npz", e.Message);

        PoseSequence Poses(double focal) => new(video, new[] { "a" }, new[] { 0.0 }, new double[3], new double[2], new double[1],
            CameraIntrinsics.Centred(focal, 640, 480));
        cache.StorePose(video, "first", Poses(500));
        cache.StorePose(video, "second", Poses(600));
        ResolvedKeypoints resolved = Resolve(video, new CameraOverride(FocalLengthPixels: 700), cache: cache);
        Assert.Equal(CameraIntrinsics.Centred(700, 640, 480), resolved.Sequence.Camera);
        Assert.Equal(KeypointValueOrigin.Caller, resolved.Provenance.FocalLength);
        Assert.Equal(KeypointValueOrigin.StoredWithKeypoints, resolved.Provenance.ImageWidth);
        Assert.Equal(600, Resolve(video, cache: cache).Sequence.Camera.FocalLengthXPixels); // the newest entry
        Assert.Throws<FileNotFoundException>(() => Resolve(_folder.File("missing.mp4"), cache: cache));
    }

    [Fact]
    public void CameraOverridesPutThePrincipalPointAtTheCentre()
    {
        var offCentre = new CameraIntrinsics(1000, 990, 300, 200, 640, 480);
        Assert.Same(offCentre, CameraOverride.None.ApplyTo(offCentre));
        Assert.Equal(CameraIntrinsics.Centred(1200, 640, 480), new CameraOverride(FocalLengthPixels: 1200).ApplyTo(offCentre));
        Assert.Equal(CameraIntrinsics.FromFieldOfView(640, 720), new CameraOverride(ImageHeightPixels: 720).ApplyTo(offCentre));
        Assert.Equal(new CameraIntrinsics(800, 800, 319.5, 239.5, 640, 480), CameraIntrinsics.Centred(800, 640, 480));
    }

    /// <summary>A clock that moves one second per reading, so entries stored one after the other have distinct times.</summary>
    private sealed class SteppingClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now = _now.AddSeconds(1);
    }
}
