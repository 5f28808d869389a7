namespace MonoBiomech.Detection;

/// <summary>Progress of the person detection of one video.</summary>
/// <param name="FrameCount">Frames the container announces (0 when unknown).</param>
/// <param name="FramesPerSecond">Processing speed so far, in frames per wall-clock second.</param>
public sealed record DetectionProgress(int FramesDone, int FrameCount, double FramesPerSecond);
