using MonoBiomech.Caching;
using MonoBiomech.Detection;
using MonoBiomech.Engine.Detection;
using MonoBiomech.Pose;

namespace MonoBiomech.Engine.Caching;

/// <summary>The names under which the pipeline stages keep their results in the session cache.</summary>
public static class StageNames
{
    /// <summary><see cref="PersonDetectionResult"/> per video and detection settings.</summary>
    public const string PersonDetection = "PersonDetection";

    /// <summary><see cref="PoseSequence"/> (3D keypoints) per video and pose-estimation settings.</summary>
    public const string Pose = "Pose";
}

/// <summary>
/// How each stage keeps its results in a <see cref="SessionCache"/>: under which key, found how, and how large they are
/// (the size Get-MonoBiomechCache shows). Keys hold the video file's identity as it is now, so an edited video misses.
/// </summary>
public static class StageCache
{
    /// <summary>The key of a video's person detection with these settings; null when the video does not exist.</summary>
    public static SessionCacheKey? PersonDetectionKey(string videoPath, PersonDetectionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        try
        {
            return File.Exists(videoPath)
                ? new SessionCacheKey(VideoFileIdentity.Of(videoPath), StageNames.PersonDetection, PersonDetectionPipeline.SettingsKey(settings))
                : null;
        }
        catch (IOException)
        {
            return null; // removed between the two checks; the stage then reports why it cannot read the video
        }
    }

    /// <summary>The key of a video's keypoints with these settings (<see cref="Pose.PoseEstimationPipeline.SettingsKey"/>); null when the video does not exist.</summary>
    public static SessionCacheKey? PoseKey(string videoPath, string settingsKey)
    {
        try
        {
            return File.Exists(videoPath) ? new SessionCacheKey(VideoFileIdentity.Of(videoPath), StageNames.Pose, settingsKey) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static SessionCacheEntry StorePersonDetection(this SessionCache cache, SessionCacheKey key, PersonDetectionResult result) =>
        cache.Set(key, result, EstimateSizeBytes(result));

    /// <summary>The newest cached keypoints of the video as it is now (any settings), or null.</summary>
    /// <exception cref="FileNotFoundException">The video does not exist.</exception>
    public static SessionCacheEntry? FindPose(this SessionCache cache, string videoPath)
    {
        VideoFileIdentity video = VideoFileIdentity.Of(videoPath);
        return cache.Entries().LastOrDefault(e => e.Stage == StageNames.Pose && e.Key.Video == video && e.Value is PoseSequence);
    }

    /// <summary>Keeps the keypoints of a video as it is now, computed with the settings <paramref name="settingsKey"/> describes.</summary>
    /// <exception cref="FileNotFoundException">The video does not exist.</exception>
    public static SessionCacheEntry StorePose(this SessionCache cache, string videoPath, string settingsKey, PoseSequence poses) =>
        cache.Set(new SessionCacheKey(VideoFileIdentity.Of(videoPath), StageNames.Pose, settingsKey), poses, EstimateSizeBytes(poses));

    // Managed size estimates: array payloads plus per-object overheads.
    private const int ObjectBytes = 24, ReferenceBytes = 8, BoxBytes = 48, FrameRecordBytes = 64;

    internal static long EstimateSizeBytes(PersonDetectionResult result)
    {
        long boxes = result.Frames.Sum(f => (long)f.Boxes.Count) + result.Tracks.Sum(t => (long)t.Boxes.Count);
        return result.Frames.Count * (FrameRecordBytes + ReferenceBytes) + boxes * BoxBytes
               + result.SubjectBoxes.Count * (ReferenceBytes + BoxBytes);
    }

    internal static long EstimateSizeBytes(PoseSequence poses)
    {
        long values = poses.TimestampsSeconds.Length + poses.Keypoints3dMillimetres.Length + poses.Keypoints2dPixels.Length
                      + poses.Confidences.Length;
        long names = poses.JointNames.Sum(n => ObjectBytes + 2L * n.Length + ReferenceBytes);
        return values * sizeof(double) + 4 * ObjectBytes + names;
    }
}
