using System.Diagnostics;
using OpenCvSharp;

namespace MonoBiomech.Engine.Tests.TestSupport;

/// <summary>Makes small video clips at test time: mp4v with OpenCvSharp (always), H.264 and rotation metadata with the ffmpeg CLI (when present).</summary>
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

    public static bool FfmpegAvailable { get; } = FindOnPath("ffmpeg") is not null;

    /// <summary>Runs ffmpeg with the arguments; throws when it fails.</summary>
    public static void Ffmpeg(params string[] arguments)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-hide_banner", "-loglevel", "error", "-y" }.Concat(arguments))
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException("ffmpeg failed: " + errors);
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
}

/// <summary>A fact that needs the ffmpeg CLI; skipped with a visible reason where it is absent.</summary>
public sealed class FfmpegFactAttribute : FactAttribute
{
    public FfmpegFactAttribute()
    {
        if (!TestClips.FfmpegAvailable)
            Skip = "The ffmpeg CLI is not on PATH (only needed to make H.264 / rotated test clips).";
    }
}
