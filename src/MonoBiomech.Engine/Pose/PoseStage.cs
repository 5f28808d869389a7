using MonoBiomech.Caching;
using MonoBiomech.Detection;
using MonoBiomech.Engine.Caching;
using MonoBiomech.Engine.Detection;
using MonoBiomech.Engine.Pipeline;
using MonoBiomech.Pose;

namespace MonoBiomech.Engine.Pose;

/// <summary>A video's keypoints and whether they, and the subject track under them, came from the session cache.</summary>
public sealed record PoseStageResult(PoseSequence Poses, bool FromCache, bool DetectionFromCache);

/// <summary>
/// The pose stage as the cmdlets run it: the session cache first; else the subject track (given, cached, or detected now
/// and cached), the keypoints, and the keypoints kept in the cache under the video's identity and the settings.
/// </summary>
public static class PoseStage
{
    public const string DetectionPhase = "person detection";

    /// <param name="detection">The video's person detection, or null to take it from the cache or run it.</param>
    /// <param name="refresh">Compute again even when the cache holds the keypoints (the subject track is still reused).</param>
    /// <exception cref="PoseModelFileException">The model file is missing, not the published one, or not loadable.</exception>
    /// <exception cref="MonoBiomech.Engine.Video.VideoReadException">The video cannot be read.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static PoseStageResult Run(string videoPath, PersonDetectionResult? detection, PoseEstimationSettings settings, SessionCache cache,
        bool refresh, IProgress<PoseProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(cache);
        settings.Validate();
        if (detection is not null) settings = settings with { Detection = detection.Settings };
        PoseModelFiles modelFiles = PoseEstimationPipeline.LocateModel(settings);
        string settingsKey = PoseEstimationPipeline.SettingsKey(settings, modelFiles);
        SessionCacheKey? key = StageCache.PoseKey(videoPath, settingsKey);
        if (key is not null && !refresh && cache.TryGet(key, out PoseSequence? cached))
            return new PoseStageResult(cached, FromCache: true, DetectionFromCache: true);

        bool detectionFromCache = detection is not null;
        if (detection is null)
        {
            SessionCacheKey? detectionKey = StageCache.PersonDetectionKey(videoPath, settings.Detection);
            detectionFromCache = detectionKey is not null && cache.TryGet(detectionKey, out detection);
            if (detection is null)
            {
                var relay = progress is null ? null
                    : new ProgressRelay<DetectionProgress>(p => progress.Report(new PoseProgress(DetectionPhase, p.FramesDone, p.FrameCount, p.FramesPerSecond)));
                detection = PersonDetectionPipeline.Run(videoPath, settings.Detection, relay, cancellationToken);
                if (detectionKey is not null) cache.StorePersonDetection(detectionKey, detection);
            }
        }
        PoseSequence poses = PoseEstimationPipeline.Run(detection, settings, progress, cancellationToken);
        if (key is not null) cache.Set(key, poses, StageCache.EstimateSizeBytes(poses));
        return new PoseStageResult(poses, FromCache: false, detectionFromCache);
    }
}
