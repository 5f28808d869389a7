using System.Globalization;
using MonoBiomech.Engine.Video;

namespace MonoBiomech.Engine.Detection;

/// <summary>Which person detector runs on the frames.</summary>
public enum DetectorKind
{
    /// <summary>
    /// Needs no model file: OpenCV's HOG people detector, background subtraction for moving people and a KCF tracker
    /// that holds a person between hits. Good enough for one main subject in front of a still camera.
    /// </summary>
    Default,
    /// <summary>An ONNX detector file (<see cref="PersonDetectionSettings.OnnxModelPath"/>): YOLOv8/YOLO11 or the MeTRAbs YOLOv4 export.</summary>
    Onnx,
}

/// <summary>How the one subject is chosen among the person tracks of a video.</summary>
public enum SubjectPolicy
{
    /// <summary>
    /// The track seen in the most frames, each frame weighted by its detection score (so a track that is seen
    /// clearly beats one that is barely detected for as long). Ties go to the larger track. The default.
    /// </summary>
    LongestTracked,
    /// <summary>The track with the largest mean box area (the person closest to the camera).</summary>
    Largest,
    /// <summary>
    /// The track whose box centre travels the farthest relative to its own height (summed frame to frame), i.e. the person
    /// who moves most; a bystander who stands still loses even when larger or seen longer.
    /// </summary>
    MostMoving,
}

/// <summary>Settings of <see cref="PersonDetectionPipeline"/>. Every property has a usable default.</summary>
public sealed record PersonDetectionSettings
{
    public DetectorKind Detector { get; init; } = DetectorKind.Default;

    /// <summary>The ONNX detector file; required when <see cref="Detector"/> is <see cref="DetectorKind.Onnx"/>.</summary>
    public string? OnnxModelPath { get; init; }

    /// <summary>Minimum person score (0..1) for a detection to be kept.</summary>
    public float ScoreThreshold { get; init; } = 0.3f;

    /// <summary>Intersection-over-union above which the lower-scored of two same-class boxes is suppressed.</summary>
    public float NmsIouThreshold { get; init; } = 0.7f;

    /// <summary>Run the detector every k-th frame (k ≥ 1); a visual tracker follows the people in between.</summary>
    public int DetectionInterval { get; init; } = 1;

    public SubjectPolicy SubjectPolicy { get; init; } = SubjectPolicy.LongestTracked;

    /// <summary>ONNX Runtime intra-op threads; 0 means one per logical processor.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>ONNX Runtime graph optimisation for ONNX detectors (speed only; results are the same up to float rounding).</summary>
    public Microsoft.ML.OnnxRuntime.GraphOptimizationLevel OnnxGraphOptimization { get; init; } = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>How long a track may go unseen (seconds) and still be continued by the same person.</summary>
    public double MaxTrackGapSeconds { get; init; } = 1.0;

    /// <summary>Longer side (pixels) the default detector scales frames down to before detecting.</summary>
    public int DefaultDetectorWorkingSizePixels { get; init; } = 640;

    /// <summary>
    /// A stable string of every setting that changes results (and the model file's identity), for result caches.
    /// </summary>
    public string CacheKey
    {
        get
        {
            var c = CultureInfo.InvariantCulture;
            string model = "";
            if (Detector == DetectorKind.Onnx && !string.IsNullOrEmpty(OnnxModelPath))
            {
                string full = Path.GetFullPath(OnnxModelPath);
                long ticks = File.Exists(full) ? File.GetLastWriteTimeUtc(full).Ticks : 0;
                model = string.Create(c, $";model={full}@{ticks}");
            }
            string working = Detector == DetectorKind.Default ? string.Create(c, $";work={DefaultDetectorWorkingSizePixels}") : "";
            return string.Create(c,
                $"detector={Detector}{model};score={ScoreThreshold:R};nms={NmsIouThreshold:R};interval={DetectionInterval};policy={SubjectPolicy};gap={MaxTrackGapSeconds:R}{working}");
        }
    }

    /// <summary>Checks the values; throws <see cref="ArgumentException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (Detector == DetectorKind.Onnx && string.IsNullOrWhiteSpace(OnnxModelPath))
            throw new ArgumentException("An ONNX detector needs OnnxModelPath.", nameof(OnnxModelPath));
        if (!(ScoreThreshold >= 0 && ScoreThreshold <= 1))
            throw new ArgumentOutOfRangeException(nameof(ScoreThreshold), ScoreThreshold, "ScoreThreshold must lie in 0..1.");
        if (!(NmsIouThreshold > 0 && NmsIouThreshold <= 1))
            throw new ArgumentOutOfRangeException(nameof(NmsIouThreshold), NmsIouThreshold, "NmsIouThreshold must lie in (0, 1].");
        if (DetectionInterval < 1)
            throw new ArgumentOutOfRangeException(nameof(DetectionInterval), DetectionInterval, "DetectionInterval must be at least 1.");
        if (IntraOpThreads < 0)
            throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), IntraOpThreads, "IntraOpThreads must be 0 (all cores) or more.");
        if (!(MaxTrackGapSeconds >= 0))
            throw new ArgumentOutOfRangeException(nameof(MaxTrackGapSeconds), MaxTrackGapSeconds, "MaxTrackGapSeconds must be 0 or more.");
        if (DefaultDetectorWorkingSizePixels < 128)
            throw new ArgumentOutOfRangeException(nameof(DefaultDetectorWorkingSizePixels), DefaultDetectorWorkingSizePixels, "DefaultDetectorWorkingSizePixels must be at least 128.");
    }

    internal int EffectiveIntraOpThreads => IntraOpThreads > 0 ? IntraOpThreads : Environment.ProcessorCount;
}

/// <summary>A person box: top-left corner and size in original-frame pixels, and the detector's score (0..1).</summary>
public sealed record PersonBox(float XPixels, float YPixels, float WidthPixels, float HeightPixels, float Score)
{
    public float CenterXPixels => XPixels + WidthPixels / 2;
    public float CenterYPixels => YPixels + HeightPixels / 2;
    public float AreaPixels => Math.Max(0, WidthPixels) * Math.Max(0, HeightPixels);

    /// <summary>Intersection over union with another box (0 when either is empty).</summary>
    public float IntersectionOverUnion(PersonBox other) => BoxGeometry.IntersectionOverUnion(
        XPixels, YPixels, WidthPixels, HeightPixels, other.XPixels, other.YPixels, other.WidthPixels, other.HeightPixels);
}

/// <summary>The persons found in one frame.</summary>
/// <param name="Detected">True when the detector ran on this frame; false when the boxes were carried by the visual tracker.</param>
public sealed record FramePersons(int FrameIndex, double TimestampSeconds, IReadOnlyList<PersonBox> Boxes, bool Detected = true);

/// <summary>Progress of <see cref="PersonDetectionPipeline.Run"/>.</summary>
/// <param name="FrameCount">Frames the container announces (0 when unknown).</param>
/// <param name="FramesPerSecond">Processing speed so far, in frames per wall-clock second.</param>
public sealed record DetectionProgress(int FramesDone, int FrameCount, double FramesPerSecond);

/// <summary>One person followed over time: the frames it was seen in and its box there.</summary>
public sealed class PersonTrack
{
    internal PersonTrack(int id, IReadOnlyList<int> frameIndices, IReadOnlyList<PersonBox> boxes)
    {
        Id = id;
        FrameIndices = frameIndices;
        Boxes = boxes;
    }

    public int Id { get; }

    /// <summary>Frames the track was observed in, ascending.</summary>
    public IReadOnlyList<int> FrameIndices { get; }

    /// <summary>The observed box in each of <see cref="FrameIndices"/>.</summary>
    public IReadOnlyList<PersonBox> Boxes { get; }

    public int FirstFrame => FrameIndices[0];
    public int LastFrame => FrameIndices[^1];
}

/// <summary>Result of <see cref="PersonDetectionPipeline.Run"/>.</summary>
public sealed class PersonDetectionResult
{
    internal PersonDetectionResult(
        VideoInfo video, IReadOnlyList<FramePersons> frames, IReadOnlyList<PersonTrack> tracks, PersonTrack? subjectTrack,
        IReadOnlyList<PersonBox?> subjectBoxes, bool videoEndedEarly, string detectorDescription, TimeSpan elapsed,
        PersonDetectionSettings settings)
    {
        Video = video;
        Frames = frames;
        Tracks = tracks;
        SubjectTrack = subjectTrack;
        SubjectBoxes = subjectBoxes;
        VideoEndedEarly = videoEndedEarly;
        DetectorDescription = detectorDescription;
        Elapsed = elapsed;
        Settings = settings;
        FramesWithSubject = subjectBoxes.Count(b => b is not null);
    }

    public VideoInfo Video { get; }

    /// <summary>Every decoded frame with all person boxes found in it.</summary>
    public IReadOnlyList<FramePersons> Frames { get; }

    /// <summary>All person tracks built from the boxes.</summary>
    public IReadOnlyList<PersonTrack> Tracks { get; }

    /// <summary>The track chosen by <see cref="PersonDetectionSettings.SubjectPolicy"/>; null when no person was found.</summary>
    public PersonTrack? SubjectTrack { get; }

    /// <summary>
    /// One entry per decoded frame: the subject's box, or null where the subject is not seen. Short gaps inside the
    /// subject track are bridged by linear interpolation; such boxes carry Score 0.
    /// </summary>
    public IReadOnlyList<PersonBox?> SubjectBoxes { get; }

    public int FramesWithSubject { get; }

    /// <summary>Frames actually decoded (can be fewer than <see cref="VideoInfo.FrameCount"/> for a damaged file).</summary>
    public int FramesDecoded => Frames.Count;

    /// <summary>True when decoding stopped before the frame count the container announced (a truncated or damaged file).</summary>
    public bool VideoEndedEarly { get; }

    /// <summary>Which detector ran, e.g. "Default (HOG + motion + KCF)" or "YOLOv8 ONNX (path)".</summary>
    public string DetectorDescription { get; }

    public TimeSpan Elapsed { get; }

    public PersonDetectionSettings Settings { get; }
}
