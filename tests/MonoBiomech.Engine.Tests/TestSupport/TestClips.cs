using OpenCvSharp;

namespace MonoBiomech.Engine.Tests.TestSupport;

/// <summary>Makes small video clips at test time with OpenCvSharp (mp4v, always); H.264 and rotated clips come from <see cref="MonoBiomech.Tests.Ffmpeg"/>.</summary>
internal static class TestClips
{
    /// <summary>An mp4v clip of a bright rectangle moving right over a dark background.</summary>
    public static void WriteMovingRectangle(string path, int frames, int width = 160, int height = 120, double fps = 30)
    {
        using var writer = new VideoWriter(path, FourCC.MP4V, fps, new Size(width, height));
        if (!writer.IsOpened())
            throw new InvalidOperationException("OpenCV cannot write mp4v clips here.");
        using var frame = new Mat(height, width, MatType.CV_8UC3);
        for (int i = 0; i < frames; i++)
        {
            frame.SetTo(Scalar.All(30));
            Cv2.Rectangle(frame, new Rect(5 + i * 2 % (width - 30), height / 4, 20, height / 2), Scalar.All(230), -1);
            writer.Write(frame);
        }
    }
}
