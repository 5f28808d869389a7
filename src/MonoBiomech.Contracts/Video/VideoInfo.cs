using System.Globalization;

namespace MonoBiomech.Video;

/// <summary>What a video file holds, as the reader will deliver it.</summary>
/// <param name="Path">Full path of the file.</param>
/// <param name="FrameCount">Frame count announced by the container (an estimate for some formats; the decoded count can be lower for a damaged file).</param>
/// <param name="FramesPerSecond">Nominal frame rate.</param>
/// <param name="WidthPixels">Frame width as displayed, i.e. after the rotation metadata has been applied.</param>
/// <param name="HeightPixels">Frame height as displayed, i.e. after the rotation metadata has been applied.</param>
/// <param name="RotationDegrees">Clockwise rotation (0, 90, 180, 270) that the file's metadata asks for on display
/// (the "rotate" tag of phone videos). Decoded frames are already rotated by this amount.</param>
/// <param name="Codec">The codec's four-character code as reported by the decoder, e.g. "h264", "VP90".</param>
public sealed record VideoInfo(
    string Path, int FrameCount, double FramesPerSecond, int WidthPixels, int HeightPixels, int RotationDegrees, string Codec)
{
    /// <summary>FrameCount / FramesPerSecond.</summary>
    public TimeSpan Duration => FramesPerSecond > 0 ? TimeSpan.FromSeconds(FrameCount / FramesPerSecond) : TimeSpan.Zero;

    /// <summary>For example "walk.mp4: 1920x1080, 30 frames/s, 300 frames, h264".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{System.IO.Path.GetFileName(Path)}: {WidthPixels}x{HeightPixels}, {FramesPerSecond:G4} frames/s, {FrameCount} frames, {Codec}");
}
