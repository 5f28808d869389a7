using MonoBiomech.Detection;
using MonoBiomech.Engine.Caching;
using MonoBiomech.Engine.Detection;
using MonoBiomech.Engine.Tests.TestSupport;
using MonoBiomech.Pose;

namespace MonoBiomech.Engine.Tests.Caching;

/// <summary>The stage vocabulary of the session cache: stage names, keys and size estimates live in the engine.</summary>
public sealed class StageCacheTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void PersonDetectionsAreKeyedByTheVideoAsItIsNowAndTheResultChangingSettings()
    {
        string video = _folder.File("walk.mp4");
        TestClips.WriteMovingRectangle(video, frames: 6);
        var settings = new PersonDetectionSettings { ScoreThreshold = 0.4f };
        Assert.Null(StageCache.PersonDetectionKey(_folder.File("missing.mp4"), settings));

        var key = StageCache.PersonDetectionKey(video, settings)!;
        Assert.Equal(StageNames.PersonDetection, key.Stage);
        Assert.Equal(PersonDetectionPipeline.SettingsKey(settings), key.SettingsKey);
        Assert.Equal(Path.GetFullPath(video), key.Video.FullPath);

        var cache = new SessionCache();
        var result = PersonDetectionPipeline.Run(video, settings, null, CancellationToken.None);
        var entry = cache.StorePersonDetection(key, result);
        Assert.True(entry.ApproximateSizeBytes >= result.Frames.Count * 64, $"{entry.ApproximateSizeBytes} bytes for {result.Frames.Count} frames");
        Assert.True(cache.TryGet(StageCache.PersonDetectionKey(video, settings)!, out PersonDetectionResult? again));
        Assert.Same(result, again);

        // "$result" and its parts read as sentences in PowerShell
        Assert.Matches(@"^walk\.mp4: 6 frames, subject in \d+, \d+ tracks$", result.ToString());
        Assert.Matches(@"^frame 0 at 0 s: \d+ persons?, detected$", result.Frames[0].ToString());
        Assert.Matches(@"^PersonDetection of walk\.mp4, [\d.]+ KB$", entry.ToString());
        Assert.Matches(@"^walk\.mp4: 160x120, 30 frames/s, 6 frames, \w+$", result.Video.ToString());
    }

    [Fact]
    public void PosesAreStoredUnderThePoseStageWithTheirArraySize()
    {
        string video = _folder.File("walk.mp4");
        File.WriteAllBytes(video, new byte[] { 1 });
        var poses = new PoseSequence(video, new[] { "a", "b" }, new double[10], new double[60], new double[40], new double[20],
            CameraIntrinsics.FromFieldOfView(640, 480));
        var cache = new SessionCache();

        Assert.Null(cache.FindPose(video));
        var entry = cache.StorePose(video, "model=x", poses);
        Assert.Equal(StageNames.Pose, entry.Stage);
        Assert.InRange(entry.ApproximateSizeBytes, 130 * sizeof(double), 130 * sizeof(double) + 1024);
        Assert.Same(entry, cache.FindPose(video));
        File.AppendAllText(video, "edited");
        Assert.Null(cache.FindPose(video)); // another version of the file
    }
}
