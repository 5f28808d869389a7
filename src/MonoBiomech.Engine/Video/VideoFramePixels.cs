using OpenCvSharp;

namespace MonoBiomech.Engine.Video;

/// <summary>How the bytes of a decoded frame are laid out.</summary>
public enum VideoPixelFormat
{
    /// <summary>8-bit BGR, [height, width] of CV_8UC3.</summary>
    Bgr24,

    /// <summary>
    /// YUV 4:2:0 as ffmpeg's yuv420p: [height × 3/2, width] of CV_8UC1 holding the Y plane, then the U and the V plane
    /// (height/2 rows of width/2 bytes each, packed); BT.601 limited range, as OpenCV's YUV2BGR_I420 reads it.
    /// </summary>
    I420,
}

/// <summary>
/// A decoded frame as the decoder delivered it, before any colour conversion, so a caller that needs only part of the
/// frame converts only that part. Lent by <see cref="VideoReader.TryReadFramePixels"/>: valid until the reader's next
/// read or its disposal; the caller must not dispose or change <see cref="Pixels"/>.
/// </summary>
public readonly record struct VideoFramePixels(Mat Pixels, VideoPixelFormat Format, int WidthPixels, int HeightPixels)
{
    /// <summary>The whole frame in 8-bit BGR into <paramref name="destination"/> (OpenCV's YUV2BGR_I420 for I420).</summary>
    public void ToBgr(Mat destination)
    {
        if (Format == VideoPixelFormat.I420) Cv2.CvtColor(Pixels, destination, ColorConversionCodes.YUV2BGR_I420);
        else Pixels.CopyTo(destination);
    }
}
