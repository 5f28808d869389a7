using System.Diagnostics;

namespace MonoBiomech.Tests;

/// <summary>The ffmpeg CLI, which makes H.264, rotated and full-size test clips where it is installed.</summary>
public static class Ffmpeg
{
    public static bool Available { get; } =
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "ffmpeg")));

    /// <summary>Runs ffmpeg (quiet, overwriting) with the arguments; throws with its messages when it fails.</summary>
    public static void Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in new[] { "-hide_banner", "-loglevel", "error", "-y" }.Concat(arguments))
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"ffmpeg {string.Join(' ', arguments)} failed: {errors}");
    }

    /// <summary>A 0.2 s H.264 test pattern of the given size.</summary>
    public static void WriteTestPattern(string path, int width, int height) =>
        Run("-f", "lavfi", "-i", $"testsrc=size={width}x{height}:rate=30", "-t", "0.2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path);
}
