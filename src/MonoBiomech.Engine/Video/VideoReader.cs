using MonoBiomech.Video;
using System.Runtime.InteropServices;
using OpenCvSharp;

namespace MonoBiomech.Engine.Video;

/// <summary>
/// Streams the frames of a video file in decoding order. OpenCV's FFmpeg backend opens the file, proves a first frame
/// decodes and reads its properties; from the first read on, the frames come from an ffmpeg executable where one is
/// found and takes the video (less processor time per frame, see <see cref="FfmpegFrameSource"/>), else from OpenCV.
/// Frames are decoded into a caller-owned <see cref="Mat"/>, or lent as decoded (<see cref="TryReadFramePixels"/>), so
/// memory does not grow with the video's length. Rotation metadata is honoured (frames come out as displayed). Not
/// thread-safe; one reader per video and thread.
/// </summary>
public sealed class VideoReader : IDisposable
{
    private VideoCapture? _capture;        // disposed once ffmpeg decodes
    private Mat? _firstFrame;              // OpenCV's, decoded by Open to prove the file decodes; handed out by the first read
    private Mat? _lentFrame;               // OpenCV's frames lent by TryReadFramePixels
    private readonly double _firstFramePositionMilliseconds;
    private readonly string? _ffmpegExecutable;
    private FfmpegFrameSource? _ffmpeg;
    private bool _decoderChosen;
    private double _lastTimestampSeconds = double.NegativeInfinity;
    private bool _ended;

    private VideoReader(VideoCapture capture, Mat firstFrame, double firstFramePositionMilliseconds, string? ffmpegExecutable, VideoInfo info)
    {
        _capture = capture;
        _firstFrame = firstFrame;
        _firstFramePositionMilliseconds = firstFramePositionMilliseconds;
        _ffmpegExecutable = ffmpegExecutable;
        Info = info;
    }

    public VideoInfo Info { get; }

    /// <summary>What decodes the frames, "ffmpeg (path)" or "OpenCV"; chosen at the first read.</summary>
    public string Decoder => _ffmpeg?.Description ?? "OpenCV";

    /// <summary>The ffmpeg child process decoding the frames, or null.</summary>
    internal int? DecoderProcessId => _ffmpeg?.ProcessId;

    /// <summary>Frames handed out so far.</summary>
    public int FramesDecoded { get; private set; }

    /// <summary>True once a read has returned false.</summary>
    public bool IsAtEnd => _ended;

    /// <summary>
    /// True when the stream ended before the frame count the container announced, which is what a truncated or
    /// damaged file looks like. Only meaningful once <see cref="IsAtEnd"/> is true.
    /// </summary>
    public bool EndedEarly => _ended && Info.FrameCount > 0 && FramesDecoded < Info.FrameCount;

    /// <summary>Opens a video and decodes its first frame; the frames are read with ffmpeg where <see cref="FfmpegExecutable.Found"/> names one.</summary>
    /// <exception cref="VideoReadException">The path is missing, a directory, empty, not a video, or no frame decodes.</exception>
    public static VideoReader Open(string path) => Open(path, FfmpegExecutable.Found);

    /// <param name="ffmpegExecutable">The ffmpeg to decode the frames with; null: OpenCV alone.</param>
    internal static VideoReader Open(string path, string? ffmpegExecutable)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        OpenCvLogging.EnsureSilenced();
        string fullPath = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(fullPath))
            throw new VideoReadException(path, VideoReadFailure.IsDirectory, $"'{fullPath}' is a directory, not a video file.");
        var file = new FileInfo(fullPath);
        if (!file.Exists)
            throw new VideoReadException(path, VideoReadFailure.NotFound, $"Video file '{fullPath}' does not exist.");
        if (file.Length == 0)
            throw new VideoReadException(path, VideoReadFailure.Empty, $"Video file '{fullPath}' is empty (0 bytes).");

        bool hasContainerSignature = VideoContainerSignature.IsKnownContainer(fullPath);
        VideoReadException Undecodable(string what) => hasContainerSignature
            ? new VideoReadException(path, VideoReadFailure.TruncatedOrCorrupt,
                $"Video file '{fullPath}' looks like a video container but {what}; it is probably truncated or damaged.")
            : new VideoReadException(path, VideoReadFailure.NotAVideo,
                $"'{fullPath}' is not a video file the decoder understands ({what}).");

        var capture = new VideoCapture();
        var firstFrame = new Mat();
        try
        {
            if (!capture.Open(fullPath, VideoCaptureAPIs.FFMPEG) || !capture.IsOpened())
                throw Undecodable("the decoder cannot open it");
            capture.Set(VideoCaptureProperties.OrientationAuto, 1);
            if (!capture.Read(firstFrame) || firstFrame.Empty())
                throw Undecodable("no frame can be decoded");
            double framesPerSecond = capture.Fps;
            if (!(framesPerSecond > 0) || double.IsInfinity(framesPerSecond))
                throw Undecodable("it reports no frame rate");
            double positionMilliseconds = capture.Get(VideoCaptureProperties.PosMsec);

            // OpenCV reports the display-matrix angle counter-clockwise; the phone "rotate" tag is clockwise.
            int counterClockwise = (int)Math.Round(capture.Get(VideoCaptureProperties.OrientationMeta));
            int rotationDegrees = ((360 - counterClockwise % 360) % 360 + 360) % 360;
            var info = new VideoInfo(
                fullPath,
                FrameCount: Math.Max(0, capture.FrameCount),
                FramesPerSecond: framesPerSecond,
                WidthPixels: firstFrame.Cols,      // the decoded frame is already rotated as displayed
                HeightPixels: firstFrame.Rows,
                RotationDegrees: rotationDegrees,
                Codec: capture.FourCC.Trim('\0', ' '));
            return new VideoReader(capture, firstFrame, positionMilliseconds, ffmpegExecutable, info);
        }
        catch
        {
            firstFrame.Dispose();
            capture.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Decodes the next frame (BGR, 8 bits per channel) into <paramref name="destination"/>, reusing its buffer.
    /// Returns false at the end of the stream (or where a damaged stream stops decoding).
    /// </summary>
    /// <exception cref="VideoReadException">ffmpeg was stopped from outside (a signal) before the end: <see cref="VideoReadFailure.DecoderStopped"/>.</exception>
    public bool TryReadFrame(Mat destination, out VideoFrameStamp stamp)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return TryReadNext(destination, out _, out stamp);
    }

    /// <summary>
    /// The next frame as the decoder delivered it, without a colour conversion: I420 where ffmpeg decodes, else BGR.
    /// The pixels are lent until the next read or <see cref="Dispose"/>. Returns false at the end of the stream.
    /// </summary>
    /// <exception cref="VideoReadException">ffmpeg was stopped from outside (a signal) before the end: <see cref="VideoReadFailure.DecoderStopped"/>.</exception>
    public bool TryReadFramePixels(out VideoFramePixels pixels, out VideoFrameStamp stamp) => TryReadNext(null, out pixels, out stamp);

    // One read for both ways of handing a frame out: converted into the caller's BGR Mat, or lent as decoded.
    private bool TryReadNext(Mat? bgrDestination, out VideoFramePixels pixels, out VideoFrameStamp stamp)
    {
        stamp = default;
        pixels = default;
        if (_ended)
            return false;
        if (!_decoderChosen)
            ChooseDecoder();
        double positionMilliseconds;
        if (_ffmpeg is not null)
        {
            if (!_ffmpeg.TryReadFrame(out Mat i420, out double seconds))
            {
                _ended = true;
                return false;
            }
            pixels = new VideoFramePixels(i420, VideoPixelFormat.I420, Info.WidthPixels, Info.HeightPixels);
            if (bgrDestination is not null) pixels.ToBgr(bgrDestination);
            positionMilliseconds = 1000 * seconds;
        }
        else
        {
            if (_firstFrame is not null)
            {
                // the frame Open decoded: copied out, or lent as it is
                if (bgrDestination is not null) _firstFrame.CopyTo(bgrDestination);
                else (_lentFrame, _firstFrame) = (_firstFrame, _lentFrame);
                _firstFrame?.Dispose();
                _firstFrame = null;
                positionMilliseconds = _firstFramePositionMilliseconds;
            }
            else
            {
                Mat target = bgrDestination ?? (_lentFrame ??= new Mat());
                if (!_capture!.Read(target) || target.Empty())
                {
                    _ended = true;
                    return false;
                }
                positionMilliseconds = _capture.Get(VideoCaptureProperties.PosMsec);
            }
            Mat decoded = bgrDestination ?? _lentFrame!;
            pixels = new VideoFramePixels(decoded, VideoPixelFormat.Bgr24, decoded.Cols, decoded.Rows);
        }
        int index = FramesDecoded++;
        double timestamp = ChooseTimestampSeconds(index, positionMilliseconds);
        _lastTimestampSeconds = timestamp;
        stamp = new VideoFrameStamp(index, timestamp);
        return true;
    }

    // ffmpeg takes over where it starts and delivers the first frame at the size OpenCV decoded; OpenCV's is then let go.
    private void ChooseDecoder()
    {
        _decoderChosen = true;
        if (_ffmpegExecutable is null || FfmpegFrameSource.TryStart(_ffmpegExecutable, Info.Path, Info.WidthPixels, Info.HeightPixels) is not { } ffmpeg)
            return;
        _ffmpeg = ffmpeg;
        _firstFrame?.Dispose();
        _firstFrame = null;
        _capture?.Dispose();
        _capture = null;
    }

    // The stream position is used while it behaves (finite, strictly increasing); otherwise index / fps.
    private double ChooseTimestampSeconds(int index, double positionMilliseconds)
    {
        double fromStream = positionMilliseconds / 1000.0;
        bool reliable = double.IsFinite(fromStream) && fromStream >= 0
            && (index == 0 ? fromStream < 1.0 / Info.FramesPerSecond : fromStream > _lastTimestampSeconds);
        return reliable ? fromStream : index / Info.FramesPerSecond;
    }

    public void Dispose()
    {
        _firstFrame?.Dispose();
        _firstFrame = null;
        _lentFrame?.Dispose();
        _lentFrame = null;
        _capture?.Dispose();
        _ffmpeg?.Dispose();
    }
}

/// <summary>Recognises the first bytes of common video containers, to tell a damaged video from a file that is no video at all.</summary>
internal static class VideoContainerSignature
{
    public static bool IsKnownContainer(string path)
    {
        Span<byte> head = stackalloc byte[12];
        int read;
        using (var stream = File.OpenRead(path))
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return IsKnownContainer(head[..read]);
    }

    public static bool IsKnownContainer(ReadOnlySpan<byte> head)
    {
        static bool At(ReadOnlySpan<byte> h, int offset, string ascii) =>
            h.Length >= offset + ascii.Length && h.Slice(offset, ascii.Length).SequenceEqual(System.Text.Encoding.ASCII.GetBytes(ascii));
        return At(head, 4, "ftyp") || At(head, 4, "moov") || At(head, 4, "mdat") || At(head, 4, "free") || At(head, 4, "wide") // MP4 / MOV
            || (head.Length >= 4 && head[0] == 0x1A && head[1] == 0x45 && head[2] == 0xDF && head[3] == 0xA3)                 // Matroska / WebM
            || (At(head, 0, "RIFF") && At(head, 8, "AVI "))
            || At(head, 0, "OggS") || At(head, 0, "FLV")
            || (head.Length >= 4 && head[0] == 0 && head[1] == 0 && head[2] == 1 && (head[3] == 0xBA || head[3] == 0xB3)); // MPEG-PS / ES
    }
}

/// <summary>
/// Keeps OpenCV and its FFmpeg backend from printing to the console (lines such as "[mov,mp4,...] moov atom not found" or
/// "[ WARN:0@0.055] global cap.cpp:215 ..."): what matters reaches the caller as a <see cref="VideoReadException"/>. OpenCV
/// reads OPENCV_LOG_LEVEL when its logger starts and OPENCV_FFMPEG_LOGLEVEL when the FFmpeg backend first opens a file, from
/// the native environment, which .NET's Environment.SetEnvironmentVariable does not change on Unix; so they are set with
/// the C library's setenv, before the first capture. A value the user set is kept (for debugging a video).
/// </summary>
internal static class OpenCvLogging
{
    private const string LogLevelVariable = "OPENCV_LOG_LEVEL";
    private const string FfmpegLogLevelVariable = "OPENCV_FFMPEG_LOGLEVEL";
    private const string FfmpegQuiet = "-8"; // AV_LOG_QUIET

    private static readonly Lazy<bool> s_silenced = new(Silence);

    public static void EnsureSilenced() => _ = s_silenced.Value;

    private static bool Silence()
    {
        bool userChoseLogLevel = Environment.GetEnvironmentVariable(LogLevelVariable) is not null;
        SetNativeEnvironmentVariableUnlessSet(LogLevelVariable, "SILENT");
        SetNativeEnvironmentVariableUnlessSet(FfmpegLogLevelVariable, FfmpegQuiet);
        if (!userChoseLogLevel)
            Cv2.SetLogLevel(LogLevel.SILENT); // in case OpenCV was loaded, and its logger started, before this ran
        return true;
    }

    private static unsafe void SetNativeEnvironmentVariableUnlessSet(string name, string value)
    {
        if (Environment.GetEnvironmentVariable(name) is not null)
            return;
        if (OperatingSystem.IsWindows())
        {
            Environment.SetEnvironmentVariable(name, value); // the process environment itself on Windows
            return;
        }
        string libc = OperatingSystem.IsMacOS() ? "libSystem.dylib" : "libc.so.6";
        if (!NativeLibrary.TryLoad(libc, out IntPtr library) || !NativeLibrary.TryGetExport(library, "setenv", out IntPtr setenv))
            return;
        IntPtr nativeName = Marshal.StringToCoTaskMemUTF8(name), nativeValue = Marshal.StringToCoTaskMemUTF8(value);
        try
        {
            ((delegate* unmanaged<IntPtr, IntPtr, int, int>)setenv)(nativeName, nativeValue, 0); // 0: keep an existing value
        }
        finally
        {
            Marshal.FreeCoTaskMem(nativeName);
            Marshal.FreeCoTaskMem(nativeValue);
        }
    }
}
