using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;

namespace MonoBiomech.Engine.Video;

/// <summary>
/// Writes an H.264 MP4 (yuv420p, libx264) through an ffmpeg child process that takes raw BGR frames on its standard
/// input. Why: OpenCV's writer in OpenCvSharp's runtime writes MPEG-4 part 2 (mp4v), which browsers and slide decks do
/// not play; H.264 plays everywhere. Frames are written at a constant rate. Not thread-safe.
/// </summary>
internal sealed class FfmpegVideoWriter : IDisposable
{
    // Measured on the walking clip's overlay (230 frames of 1768x994, this machine's ffmpeg): superfast at constant
    // quality 20 takes 23 ms of processor time a frame for 6.8 MB, where veryfast takes 31 ms for 3.9 MB, ultrafast
    // 16 ms for 16 MB, and FFmpeg's MPEG-4 part 2 encoder at -q:v 3 14 ms for 11.9 MB: the overlay stays a small part
    // of the pipeline's time at half the size of MPEG-4 part 2. In wall time the pipeline's writing stage is quicker than
    // with OpenCV's writer, since ffmpeg encodes beside the decoding and drawing (`bench pose`, two runs each: 2.9-3.1
    // against 3.4-3.6 s on the force-plate clip, 4.9-5.7 against 7.7-8.4 s on the walking clip).
    private const string Encoder = "libx264", Preset = "superfast", ConstantRateFactor = "20";

    private static readonly ConcurrentDictionary<string, bool> s_hasEncoder = new();

    private readonly Process _process;
    private readonly string _path;
    private readonly Stream _input;
    private readonly int _width, _height;
    private readonly Task<string> _errors;
    private bool _finished;

    private FfmpegVideoWriter(Process process, string path, int width, int height)
    {
        _process = process;
        _path = path;
        _width = width;
        _height = height;
        _input = process.StandardInput.BaseStream;
        _errors = process.StandardError.ReadToEndAsync();
    }

    /// <summary>What encodes, for reports: "H.264 (ffmpeg path)".</summary>
    public string Description => $"H.264 ({_process.StartInfo.FileName})";

    /// <summary>
    /// Starts ffmpeg writing <paramref name="path"/>; null, with nothing left running, where the frame has an odd width or
    /// height (4:2:0), the executable cannot start or lacks libx264: the caller then writes with OpenCV.
    /// </summary>
    public static FfmpegVideoWriter? TryStart(string executable, string path, int width, int height, double framesPerSecond)
    {
        if (width <= 0 || height <= 0 || width % 2 != 0 || height % 2 != 0 || !(framesPerSecond > 0)) return null;
        if (!HasEncoder(executable)) return null;
        ProcessStartInfo start = FfmpegExecutable.StartInfo(executable,
        [
            "-hide_banner", "-nostats", "-loglevel", "error",
            "-f", "rawvideo", "-pix_fmt", "bgr24", "-video_size", $"{width}x{height}",
            "-framerate", framesPerSecond.ToString("R", CultureInfo.InvariantCulture), "-i", "pipe:0",
            "-an", "-c:v", Encoder, "-preset", Preset, "-crf", ConstantRateFactor, "-pix_fmt", "yuv420p",
            "-movflags", "+faststart", "-f", "mp4", "-y", "file:" + path,
        ]);
        try
        {
            Process process = Process.Start(start) ?? throw new Win32Exception("ffmpeg did not start.");
            process.StandardOutput.Close();
            return new FfmpegVideoWriter(process, path, width, height);
        }
        catch (Win32Exception)
        {
            FfmpegExecutable.MarkUnusable(executable);
            return null;
        }
    }

    /// <summary>Appends a frame: 8-bit BGR of the size given at the start.</summary>
    /// <exception cref="IOException">ffmpeg stopped taking frames (it failed; its message is included).</exception>
    public unsafe void Write(Mat bgrFrame)
    {
        if (bgrFrame.Type() != MatType.CV_8UC3 || bgrFrame.Cols != _width || bgrFrame.Rows != _height)
            throw new ArgumentException($"Expected an 8-bit BGR frame of {_width}x{_height}.", nameof(bgrFrame));
        try
        {
            if (bgrFrame.IsContinuous()) // the frames a reader decodes: one write, not one per row
                _input.Write(new ReadOnlySpan<byte>((void*)bgrFrame.Data, _width * _height * 3));
            else
                for (int row = 0; row < _height; row++)
                    _input.Write(new ReadOnlySpan<byte>((void*)bgrFrame.Ptr(row), _width * 3));
        }
        catch (IOException e)
        {
            throw new IOException($"ffmpeg stopped writing '{_path}': {Failure()}", e);
        }
    }

    /// <summary>Ends the video and waits for ffmpeg to finish the file.</summary>
    /// <exception cref="IOException">ffmpeg failed (its message is included).</exception>
    public void Finish()
    {
        _finished = true;
        try
        {
            _input.Close();
        }
        catch (IOException e)
        {
            throw new IOException($"ffmpeg stopped writing '{_path}': {Failure()}", e);
        }
        _process.WaitForExit();
        if (_process.ExitCode != 0) throw new IOException($"ffmpeg could not write '{_path}': {Failure()}");
    }

    // ffmpeg's error output once it has exited (it writes nothing else at this log level).
    private string Failure()
    {
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(); // its exit code and error output are complete only once it has gone
        }
        string errors = _errors.Result.Trim();
        return errors.Length > 0 ? errors : $"exit code {_process.ExitCode}";
    }

    /// <summary>Stops ffmpeg where the video was not finished (an error, Ctrl+C), and waits for it.</summary>
    public void Dispose()
    {
        if (!_finished)
        {
            try
            {
                if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException) { } // exited meanwhile
        }
        _process.WaitForExit();
        try { _errors.Wait(); }
        catch (AggregateException) { }
        _process.Dispose();
    }

    // Whether this ffmpeg has libx264 (builds without GPL parts do not), asked once per executable.
    private static bool HasEncoder(string executable) => s_hasEncoder.GetOrAdd(executable, e =>
    {
        ProcessStartInfo start = FfmpegExecutable.StartInfo(e, ["-hide_banner", "-nostdin", "-h", "encoder=" + Encoder]);
        try
        {
            using Process process = Process.Start(start) ?? throw new Win32Exception("ffmpeg did not start.");
            process.StandardInput.Close();
            Task<string> errors = process.StandardError.ReadToEndAsync();
            string help = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            errors.Wait();
            return process.ExitCode == 0 && help.Contains("Encoder " + Encoder, StringComparison.Ordinal);
        }
        catch (Win32Exception)
        {
            FfmpegExecutable.MarkUnusable(e);
            return false;
        }
    });
}
