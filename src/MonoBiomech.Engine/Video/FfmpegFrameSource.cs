using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;

namespace MonoBiomech.Engine.Video;

/// <summary>
/// Frames of a video decoded by an ffmpeg executable in a child process, read from its standard output as raw YUV 4:2:0
/// and handed out so, unconverted: the caller converts what it needs (the video reader whole frames to BGR with
/// OpenCV's cvtColor, the MeTRAbs cropper only the part its crops see). Why a process: the FFmpeg inside OpenCvSharp's
/// portable Linux runtime is built without its assembly decoders. With a distribution's ffmpeg a 1080p H.264 frame
/// costs 10-13 ms of processor time here, pipe and colour conversion included, against OpenCV's 15 ms (VP9 at 1768x994:
/// 10-12 against 20 ms; `bench decode`). The decoded pictures are the same (H.264 decoding is bit-exact); cvtColor
/// rounds the colour conversion to nearest where OpenCV's FFmpeg rounds down, about a level apart. The frames'
/// timestamps come from ffmpeg's showinfo filter on standard error, one line per frame, so they belong to exactly the
/// frames read. The CLI rotates frames as displayed, as the OpenCV reader does. Not thread-safe.
/// </summary>
internal sealed class FfmpegFrameSource : IDisposable
{
    /// <summary>
    /// Raw frames read ahead of the caller, so ffmpeg decodes while the caller computes instead of waiting on a full
    /// pipe (a pipe holds a fiftieth of a 1080p frame); a 1080p frame takes 3 MB.
    /// </summary>
    private const int FramesAhead = 3;

    private readonly Process _process;
    private readonly string _videoPath;
    private readonly Stream _output;
    private readonly int _frameBytes;
    private readonly Mat[] _yuvFrames;    // [FramesAhead + 1] I420 frames: height × 3/2 rows of width bytes, as ffmpeg writes them
    private readonly BlockingCollection<Mat> _freeFrames = new();
    private readonly BlockingCollection<Mat> _readFrames = new(); // bounded by the buffers there are
    private readonly BlockingCollection<FrameLine> _frameLines = new();
    private readonly Task _frameReader, _errorReader;
    private Mat? _current;                // the frame last handed out, back to the free ones at the next read
    private int _framesTaken;
    private double _firstTimestampSeconds = double.NaN; // read by TryStart, handed out with the first frame
    private bool _firstFramePending = true;

    private FfmpegFrameSource(Process process, string videoPath, int width, int height)
    {
        _process = process;
        _videoPath = videoPath;
        _output = process.StandardOutput.BaseStream;
        _frameBytes = width * height * 3 / 2;
        _yuvFrames = Enumerable.Range(0, FramesAhead + 1).Select(_ => new Mat(height * 3 / 2, width, MatType.CV_8UC1)).ToArray();
        foreach (Mat frame in _yuvFrames) _freeFrames.Add(frame);
        _frameReader = Task.Factory.StartNew(ReadFrames, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _errorReader = Task.Factory.StartNew(ReadFrameLines, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>The child process, while it runs.</summary>
    internal int ProcessId => _process.Id;

    /// <summary>What decodes, for reports: "ffmpeg (path)".</summary>
    public string Description => $"ffmpeg ({_process.StartInfo.FileName})";

    /// <summary>
    /// Starts ffmpeg on the video and reads its first frame, which must have the size the caller expects (the displayed
    /// size). Returns null, with nothing left running, where ffmpeg cannot start, ends before a first frame (an old
    /// ffmpeg refusing an option, a stream it cannot decode) or delivers another size; the caller then decodes with OpenCV.
    /// Frames with an odd width or height are left to OpenCV (4:2:0 needs even sizes).
    /// </summary>
    public static FfmpegFrameSource? TryStart(string executable, string videoPath, int width, int height)
    {
        if (width <= 0 || height <= 0 || width % 2 != 0 || height % 2 != 0) return null;
        ProcessStartInfo start = FfmpegExecutable.StartInfo(executable,
        [
            "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", "-i", "file:" + videoPath, "-map", "0:v:0", "-an", "-sn", "-dn",
            "-fps_mode", "passthrough", "-vf", "showinfo=checksum=0", "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1",
        ]);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("ffmpeg did not start.");
        }
        catch (Win32Exception)
        {
            FfmpegExecutable.MarkUnusable(executable); // not an executable here: do not try it for every video
            return null;
        }
        process.StandardInput.Close();
        // The decoder yields to the stage's inference, whose threads wait on one another, so one the decoder preempts
        // stalls all. BelowNormal (nice 10) won the MeTRAbs stage a few percent (`bench metrabs N 16 stage`, against OpenCV's
        // decoding in the same window: 0.86-0.91 -> 0.92 of its speed at 1 augmentation, 0.99-1.04 -> 1.03 at 5).
        try { process.PriorityClass = ProcessPriorityClass.BelowNormal; }
        catch (Win32Exception) { }            // not allowed here: decode at normal priority
        catch (InvalidOperationException) { } // already exited: TryStart finds no first frame
        var source = new FfmpegFrameSource(process, videoPath, width, height);
        if (source.ReadNextFrame() && source.TakeFrameLine() is { } first && first.Width == width && first.Height == height)
        {
            source._firstTimestampSeconds = first.TimestampSeconds;
            return source;
        }
        source.Dispose();
        return null;
    }

    /// <summary>
    /// The next frame's I420 bytes (<see cref="VideoPixelFormat.I420"/>), lent until the next read or Dispose, with its
    /// presentation time in seconds from the start of the stream (NaN where ffmpeg gave none). False at the end of what
    /// ffmpeg decodes (where a damaged stream stops decoding, as with OpenCV).
    /// </summary>
    /// <exception cref="VideoReadException">ffmpeg ended on a signal (Ctrl+C reaches it as well; a kill): <see cref="VideoReadFailure.DecoderStopped"/>.</exception>
    public bool TryReadFrame(out Mat i420Frame, out double timestampSeconds)
    {
        timestampSeconds = double.NaN;
        i420Frame = null!;
        if (_firstFramePending)
        {
            _firstFramePending = false;
            timestampSeconds = _firstTimestampSeconds;
        }
        else
        {
            if (!ReadNextFrame())
            {
                ThrowIfStopped();
                return false;
            }
            timestampSeconds = TakeFrameLine()?.TimestampSeconds ?? double.NaN;
        }
        i420Frame = _current!;
        return true;
    }

    /// <summary>
    /// Exit codes from here up mean a signal: ffmpeg's own handler (SIGINT, SIGTERM) exits with 255, and a process a
    /// signal killed reports 128 + the signal.
    /// </summary>
    private const int FirstSignalExitCode = 128;

    /// <summary>How long ffmpeg may take to exit once its output has ended.</summary>
    private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(10);

    // The frames ended. ffmpeg finished, or gave up on a damaged stream (any exit code but a signal's: the video ends
    // there, as where OpenCV stops decoding); or something outside stopped it, which must not pass for the video's end.
    private void ThrowIfStopped()
    {
        bool exited = _process.WaitForExit(ExitWait);
        if (exited && _process.ExitCode < FirstSignalExitCode)
            return;
        if (!exited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        string why = exited ? $"ffmpeg was stopped by a signal (exit code {_process.ExitCode})" : $"ffmpeg was still running {ExitWait.TotalSeconds:F0} s after its output ended";
        throw new VideoReadException(_videoPath, VideoReadFailure.DecoderStopped, $"Decoding '{_videoPath}' stopped after {_framesTaken} frames: {why}.");
    }

    // The next raw frame the reader thread has read, in place of the one handed out before; false at the end.
    private bool ReadNextFrame()
    {
        if (_current is not null) _freeFrames.Add(_current);
        _current = null;
        if (!_readFrames.TryTake(out Mat? frame, Timeout.Infinite)) return false;
        _current = frame;
        _framesTaken++;
        return true;
    }

    // The reader thread: whole frames from ffmpeg's output into free buffers, until the output ends or breaks.
    private unsafe void ReadFrames()
    {
        try
        {
            while (_freeFrames.TryTake(out Mat? frame, Timeout.Infinite))
            {
                int read = _output.ReadAtLeast(new Span<byte>((void*)frame.Data, _frameBytes), _frameBytes, throwOnEndOfStream: false);
                if (read < _frameBytes) return;
                _readFrames.Add(frame);
            }
        }
        catch (IOException) { }                 // the pipe broke: ffmpeg died
        catch (ObjectDisposedException) { }     // disposed while reading
        finally
        {
            _readFrames.CompleteAdding();
        }
    }

    // The showinfo line of the frame just read; ffmpeg logs it before it writes the frame, so it is there or coming.
    private FrameLine? TakeFrameLine()
    {
        while (_frameLines.TryTake(out FrameLine line, Timeout.Infinite))
            if (line.Index == _framesTaken - 1) return line;
            else if (line.Index > _framesTaken - 1) return null; // a line went missing: no timestamp rather than a wrong one
        return null;
    }

    /// <summary>One frame as showinfo logs it: "[Parsed_showinfo_0 @ 0x...] n:   0 pts:      0 pts_time:0  ... s:1920x1080 ...".</summary>
    internal readonly record struct FrameLine(int Index, double TimestampSeconds, int Width, int Height);

    private void ReadFrameLines()
    {
        try
        {
            while (_process.StandardError.ReadLine() is { } line)
                if (ParseFrameLine(line) is { } frameLine)
                    _frameLines.Add(frameLine);
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
        finally
        {
            _frameLines.CompleteAdding();
        }
    }

    internal static FrameLine? ParseFrameLine(string line)
    {
        if (!line.Contains("Parsed_showinfo", StringComparison.Ordinal)) return null;
        string? Field(string name)
        {
            int at = line.IndexOf(" " + name + ":", StringComparison.Ordinal);
            if (at < 0) return null;
            int start = at + name.Length + 2;
            while (start < line.Length && line[start] == ' ') start++;
            int end = line.IndexOf(' ', start);
            return line[start..(end < 0 ? line.Length : end)];
        }
        if (!int.TryParse(Field("n"), NumberStyles.None, CultureInfo.InvariantCulture, out int index)) return null; // the filter's set-up lines
        double timestamp = double.TryParse(Field("pts_time"), NumberStyles.Float, CultureInfo.InvariantCulture, out double t) ? t : double.NaN; // NOPTS
        string[] size = (Field("s") ?? "").Split('x');
        int width = size.Length == 2 && int.TryParse(size[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w) ? w : -1;
        int height = size.Length == 2 && int.TryParse(size[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h) ? h : -1;
        return new FrameLine(index, timestamp, width, height);
    }

    /// <summary>Stops ffmpeg if it is still decoding (a caller that stopped early) and waits for it and the readers.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { } // exited meanwhile
        _process.WaitForExit();
        _freeFrames.CompleteAdding(); // a reader waiting for a free buffer stops
        _frameReader.Wait();
        _errorReader.Wait();
        _process.Dispose();
        foreach (Mat frame in _yuvFrames) frame.Dispose();
        _freeFrames.Dispose();
        _readFrames.Dispose();
        _frameLines.Dispose();
    }
}
