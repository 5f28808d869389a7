using MonoBiomech.Engine.Tests.TestSupport;
using MonoBiomech.Engine.Video;
using MonoBiomech.Tests;
using OpenCvSharp;

namespace MonoBiomech.Engine.Tests.Video;

public sealed class FfmpegVideoWriterTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static Mat Pattern(int index)
    {
        var frame = new Mat(240, 320, MatType.CV_8UC3, new Scalar(40, 90, 160));
        Cv2.Rectangle(frame, new Rect(10 + 12 * index, 60, 60, 120), new Scalar(230, 230, 230), -1);
        return frame;
    }

    [FfmpegFact]
    public void Frames_written_come_back_as_H264_at_their_rate()
    {
        string path = _folder.File("written.mp4");
        using (var writer = FfmpegVideoWriter.TryStart(FfmpegExecutable.Found!, path, 320, 240, 29.97) ?? throw new Xunit.Sdk.XunitException("no H.264 writer"))
        {
            for (int i = 0; i < 12; i++)
                using (Mat frame = Pattern(i))
                    writer.Write(frame);
            writer.Finish();
        }
        using var reader = VideoReader.Open(path);
        Assert.Equal(("h264", 12, 320, 240), (reader.Info.Codec, reader.Info.FrameCount, reader.Info.WidthPixels, reader.Info.HeightPixels));
        Assert.Equal(29.97, reader.Info.FramesPerSecond, 0.01);
        using var decoded = new Mat();
        for (int i = 0; i < 12; i++)
        {
            Assert.True(reader.TryReadFrame(decoded, out _));
            using Mat expected = Pattern(i);
            using var difference = new Mat();
            Cv2.Absdiff(expected, decoded, difference);
            Assert.True(Cv2.Mean(difference).Val0 < 3, $"frame {i}: {Cv2.Mean(difference).Val0:F2} levels apart on average");
        }
        Assert.False(reader.TryReadFrame(decoded, out _));
    }

    [FfmpegFact]
    public void Odd_sizes_and_an_executable_that_does_not_start_leave_the_writing_to_OpenCV()
    {
        Assert.Null(FfmpegVideoWriter.TryStart(FfmpegExecutable.Found!, _folder.File("odd.mp4"), 321, 240, 30));
        Assert.Null(FfmpegVideoWriter.TryStart(_folder.File("no-ffmpeg"), _folder.File("none.mp4"), 320, 240, 30));
        Assert.Empty(Directory.GetFiles(_folder.Path));
        Assert.NotNull(FfmpegExecutable.Found); // a bad path given for one call does not turn the found ffmpeg off
    }

    [FfmpegFact]
    public void A_failing_ffmpeg_is_an_error_naming_the_file_with_its_message()
    {
        // answers the encoder question as ffmpeg does, then fails as ffmpeg does on a full disk
        string failing = _folder.File("failing-ffmpeg.sh");
        File.WriteAllText(failing, "#!/bin/sh\ncase \"$*\" in *encoder=libx264*) echo 'Encoder libx264 [H.264]:'; exit 0;; esac\n" +
            "cat > /dev/null\necho 'Error writing trailer: No space left on device' >&2\nexit 1\n");
        File.SetUnixFileMode(failing, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        string path = _folder.File("full.mp4");
        using var writer = FfmpegVideoWriter.TryStart(failing, path, 320, 240, 30) ?? throw new Xunit.Sdk.XunitException("the script did not start");
        using (Mat frame = Pattern(0))
            writer.Write(frame);
        var e = Assert.Throws<IOException>(writer.Finish);
        Assert.Contains(path, e.Message);
        Assert.Contains("No space left on device", e.Message);
    }

    [FfmpegFact]
    public void Disposing_an_unfinished_video_stops_ffmpeg()
    {
        string path = _folder.File("stopped.mp4");
        var writer = FfmpegVideoWriter.TryStart(FfmpegExecutable.Found!, path, 320, 240, 30) ?? throw new Xunit.Sdk.XunitException("no H.264 writer");
        using (Mat frame = Pattern(0))
            writer.Write(frame);
        var started = DateTime.UtcNow;
        writer.Dispose(); // as on Ctrl+C: the caller then deletes the temporary file
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }
}
