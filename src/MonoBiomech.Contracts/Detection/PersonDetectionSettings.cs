namespace MonoBiomech.Detection;

/// <summary>Settings of the person detection stage (Invoke-PersonDetection). Every property has a usable default.</summary>
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
    public OnnxGraphOptimizationLevel OnnxGraphOptimization { get; init; } = OnnxGraphOptimizationLevel.All;

    /// <summary>How long a track may go unseen (seconds) and still be continued by the same person.</summary>
    public double MaxTrackGapSeconds { get; init; } = 1.0;

    /// <summary>Longer side (pixels) the default detector scales frames down to before detecting.</summary>
    public int DefaultDetectorWorkingSizePixels { get; init; } = 640;

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
        if (!Enum.IsDefined(OnnxGraphOptimization))
            throw new ArgumentOutOfRangeException(nameof(OnnxGraphOptimization), OnnxGraphOptimization, "OnnxGraphOptimization is not a known level.");
    }
}
