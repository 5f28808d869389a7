using System.Diagnostics;

namespace MonoBiomech.Engine.Video;

/// <summary>
/// The ffmpeg executable the module decodes videos with (<see cref="FfmpegFrameSource"/>) and writes H.264 with
/// (<see cref="FfmpegVideoWriter"/>): the one <see cref="Variable"/> names, else <c>ffmpeg</c> on PATH.
/// </summary>
internal static class FfmpegExecutable
{
    /// <summary>Environment variable naming the ffmpeg executable to use, or <c>none</c> for OpenCV alone.</summary>
    public const string Variable = "MONOBIOMECH_FFMPEG";

    private static readonly Lazy<string?> s_found = new(Find);
    private static volatile bool s_unusable;

    /// <summary>The ffmpeg to use; null for none (not found, <c>none</c>, or found but not startable here).</summary>
    public static string? Found => s_unusable ? null : s_found.Value;

    /// <summary>
    /// <paramref name="executable"/> could not be started: where it is the one found, it is not tried again in this
    /// process (a path given for one call does not turn the found one off).
    /// </summary>
    public static void MarkUnusable(string executable)
    {
        if (executable == s_found.Value) s_unusable = true;
    }

    /// <summary>
    /// How to start <paramref name="executable"/> with <paramref name="arguments"/>: every standard stream redirected,
    /// so nothing of the console's input reaches it and nothing of its logging reaches the console; no window.
    /// </summary>
    public static ProcessStartInfo StartInfo(string executable, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        return start;
    }

    private static string? Find()
    {
        string? chosen = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(chosen))
            return chosen.Trim().Equals("none", StringComparison.OrdinalIgnoreCase) ? null : File.Exists(chosen) ? Path.GetFullPath(chosen) : null;
        string name = OperatingSystem.IsWindows() ? "ffmpeg.exe" : "ffmpeg";
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(folder, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
