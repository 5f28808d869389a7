using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using MonoBiomech.Detection;
using MonoBiomech.Engine.Video;
using MonoBiomech.Video;
using OpenCvSharp;

namespace MonoBiomech.Engine.Detection;

/// <summary>Reads a video, detects persons in its frames, builds tracks and picks the one subject.</summary>
public static class PersonDetectionPipeline
{
    /// <summary>At most this many tracks are followed by visual trackers at a time (the highest-scored).</summary>
    private const int MaxFollowedTracks = 4;
    /// <summary>With detection every frame, a track is followed through misses only once it was detected this often (keeps single false hits from being carried along).</summary>
    private const int MinDetectionsBeforeFollowing = 3;
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Runs person detection over a whole video, streaming its frames (memory does not grow with the video's length).
    /// </summary>
    /// <exception cref="VideoReadException">The video cannot be read.</exception>
    /// <exception cref="DetectorModelLoadException">The ONNX model is missing or not loadable.</exception>
    /// <exception cref="UnknownModelLayoutException">The ONNX model is no known detector layout.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; checked before every frame.</exception>
    public static PersonDetectionResult Run(string videoPath, PersonDetectionSettings settings,
        IProgress<DetectionProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var stopwatch = Stopwatch.StartNew();
        using var reader = VideoReader.Open(videoPath);
        using var detector = CreateDetector(settings, reader.Info.FramesPerSecond);
        var info = reader.Info;

        int maxGapFrames = Math.Max(1, (int)Math.Round(settings.MaxTrackGapSeconds * info.FramesPerSecond));
        int followLimitFrames = Math.Max(maxGapFrames, settings.DetectionInterval);
        var builder = new PersonTrackBuilder(Math.Max(maxGapFrames, settings.DetectionInterval));
        using var trackers = new VisualTrackerBank();
        var lastDetectedFrame = new Dictionary<int, int>();
        var detectionCount = new Dictionary<int, int>();
        var frames = new List<FramePersons>(Math.Max(16, info.FrameCount));
        var lastReport = -ProgressInterval; // the first frame is reported at once, then at most every ProgressInterval

        using var frame = new Mat();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!reader.TryReadFrame(frame, out var stamp))
                break;
            int index = stamp.FrameIndex;
            trackers.BeginFrame(frame);
            bool detect = index % settings.DetectionInterval == 0;
            var boxes = new List<PersonBox>();
            var seen = new HashSet<int>();
            if (detect)
            {
                var detections = detector.Detect(frame);
                int[] ids = builder.Update(index, detections);
                for (int i = 0; i < ids.Length; i++)
                {
                    seen.Add(ids[i]);
                    trackers.Forget(ids[i]);
                    lastDetectedFrame[ids[i]] = index;
                    detectionCount[ids[i]] = detectionCount.GetValueOrDefault(ids[i]) + 1;
                }
                boxes.AddRange(detections);
            }
            var toFollow = builder.OpenTracks(index)
                .Where(t => !seen.Contains(t.TrackId)
                    && index - lastDetectedFrame.GetValueOrDefault(t.TrackId, t.LastFrame) <= followLimitFrames
                    && (settings.DetectionInterval > 1 || detectionCount.GetValueOrDefault(t.TrackId) >= MinDetectionsBeforeFollowing))
                .OrderByDescending(t => t.LastBox.Score).ThenBy(t => t.TrackId)
                .Take(MaxFollowedTracks).ToList();
            trackers.KeepOnly(toFollow.Select(t => t.TrackId).ToHashSet());
            foreach (var (trackId, lastBox, lastFrame) in toFollow)
            {
                var followed = trackers.Follow(trackId, lastBox, lastFrame == index - 1);
                if (followed is null)
                    continue;
                builder.ObserveTracked(trackId, index, followed);
                boxes.Add(followed);
            }
            frames.Add(new FramePersons(index, stamp.TimestampSeconds, boxes, detect));

            if (progress is not null && stopwatch.Elapsed - lastReport >= ProgressInterval)
            {
                lastReport = stopwatch.Elapsed;
                progress.Report(new DetectionProgress(frames.Count, info.FrameCount, frames.Count / stopwatch.Elapsed.TotalSeconds));
            }
        }

        var tracks = builder.Build();
        var subject = SubjectSelector.Select(tracks, settings.SubjectPolicy);
        var subjectBoxes = SubjectSelector.LayOut(subject, frames.Count);
        stopwatch.Stop();
        progress?.Report(new DetectionProgress(frames.Count, info.FrameCount, frames.Count / Math.Max(1e-9, stopwatch.Elapsed.TotalSeconds)));
        return new PersonDetectionResult(info, frames, tracks, subject, subjectBoxes, reader.EndedEarly,
            detector.Description, stopwatch.Elapsed, settings) { VideoDecoderDescription = reader.Decoder };
    }

    /// <summary>A fresh per-video detector for the settings; ONNX networks come from the process-wide cache.</summary>
    /// <param name="framesPerSecond">Frame rate of the video the detector will see (the default detector's motion memory is timed by it and the detection interval).</param>
    internal static IPersonDetector CreateDetector(PersonDetectionSettings settings, double framesPerSecond = 30)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        return settings.Detector switch
        {
            DetectorKind.Default => new DefaultPersonDetector(settings.DefaultDetectorWorkingSizePixels, settings.ScoreThreshold, settings.NmsIouThreshold, framesPerSecond / settings.DetectionInterval),
            DetectorKind.Onnx => new OnnxPersonDetector(
                OnnxDetectorModelCache.Get(settings.OnnxModelPath!, EffectiveIntraOpThreads(settings.IntraOpThreads), ToOnnxRuntime(settings.OnnxGraphOptimization)),
                settings.ScoreThreshold, settings.NmsIouThreshold),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Detector, "Unknown detector kind."),
        };
    }

    /// <summary>Recognises an ONNX detector's layout (loading it into the cache), e.g. to check a file before a batch.</summary>
    /// <exception cref="DetectorModelLoadException">Missing or unloadable file.</exception>
    /// <exception cref="UnknownModelLayoutException">No known layout.</exception>
    public static OnnxDetectorLayout InspectOnnxDetector(string modelPath, int intraOpThreads = 0) =>
        OnnxDetectorModelCache.Get(modelPath, EffectiveIntraOpThreads(intraOpThreads), GraphOptimizationLevel.ORT_ENABLE_ALL).Layout;

    /// <summary>
    /// A stable string of every setting that changes the result (and the ONNX model file's identity: full path and
    /// last write time), for result caches. Thread count and graph optimisation change only the speed and are left out.
    /// </summary>
    public static string SettingsKey(PersonDetectionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var c = CultureInfo.InvariantCulture;
        string model = "";
        if (settings.Detector == DetectorKind.Onnx && !string.IsNullOrEmpty(settings.OnnxModelPath))
        {
            string full = Path.GetFullPath(settings.OnnxModelPath);
            long ticks = File.Exists(full) ? File.GetLastWriteTimeUtc(full).Ticks : 0;
            model = string.Create(c, $";model={full}@{ticks}");
        }
        string working = settings.Detector == DetectorKind.Default ? string.Create(c, $";work={settings.DefaultDetectorWorkingSizePixels}") : "";
        return string.Create(c,
            $"detector={settings.Detector}{model};score={settings.ScoreThreshold:R};nms={settings.NmsIouThreshold:R};interval={settings.DetectionInterval};policy={settings.SubjectPolicy};gap={settings.MaxTrackGapSeconds:R}{working}");
    }

    private static int EffectiveIntraOpThreads(int intraOpThreads) => intraOpThreads > 0 ? intraOpThreads : Environment.ProcessorCount;

    private static GraphOptimizationLevel ToOnnxRuntime(OnnxGraphOptimizationLevel level) => level switch
    {
        OnnxGraphOptimizationLevel.Disabled => GraphOptimizationLevel.ORT_DISABLE_ALL,
        OnnxGraphOptimizationLevel.Basic => GraphOptimizationLevel.ORT_ENABLE_BASIC,
        OnnxGraphOptimizationLevel.Extended => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        OnnxGraphOptimizationLevel.All => GraphOptimizationLevel.ORT_ENABLE_ALL,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Unknown ONNX graph optimisation level."),
    };

    /// <summary>Releases every cached ONNX detector (call when no detection is running).</summary>
    public static void ClearModelCache() => OnnxDetectorModelCache.Clear();
}
