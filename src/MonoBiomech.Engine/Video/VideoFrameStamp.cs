namespace MonoBiomech.Engine.Video;

/// <summary>Where a decoded frame sits in the video.</summary>
/// <param name="FrameIndex">0-based index of the frame in decoding order.</param>
/// <param name="TimestampSeconds">Presentation time of the frame from the start of the stream.</param>
public readonly record struct VideoFrameStamp(int FrameIndex, double TimestampSeconds);
