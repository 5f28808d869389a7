using MonoBiomech.Engine.Tests.TestSupport;
using MonoBiomech.Engine.Video;
using MonoBiomech.Tests;
using OpenCvSharp;

namespace MonoBiomech.Engine.Tests.Video;

public sealed class VideoReaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Reads_every_frame_with_index_and_timestamp()
    {
        string path = _folder.File("moving.mp4");
        TestClips.WriteMovingRectangle(path, frames: 24, fps: 24);
        using var reader = VideoReader.Open(path);
        Assert.Equal(24, reader.Info.FrameCount);
        Assert.Equal(24, reader.Info.FramesPerSecond, 1e-6);
        Assert.Equal((160, 120, 0), (reader.Info.WidthPixels, reader.Info.HeightPixels, reader.Info.RotationDegrees));
        Assert.Equal(TimeSpan.FromSeconds(1), reader.Info.Duration);
        using var frame = new Mat();
        var stamps = new List<VideoFrameStamp>();
        while (reader.TryReadFrame(frame, out var stamp))
        {
            Assert.Equal((160, 120), (frame.Cols, frame.Rows));
            stamps.Add(stamp);
        }
        Assert.Equal(Enumerable.Range(0, 24), stamps.Select(s => s.FrameIndex));
        for (int i = 0; i < stamps.Count; i++)
            Assert.Equal(i / 24.0, stamps[i].TimestampSeconds, 0.002);
        Assert.True(reader.IsAtEnd);
        Assert.False(reader.EndedEarly);
        Assert.False(reader.TryReadFrame(frame, out _));
    }

    [FfmpegFact]
    public void Rotation_metadata_is_honoured_in_size_and_frames()
    {
        string source = _folder.File("landscape.mp4"), rotated = _folder.File("rotated.mp4");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=duration=0.5:size=320x240:rate=20", "-c:v", "libx264", "-pix_fmt", "yuv420p", source);
        Ffmpeg.Run("-i", source, "-c", "copy", "-metadata:s:v", "rotate=90", rotated);
        using var reader = VideoReader.Open(rotated);
        Assert.Equal((240, 320, 90), (reader.Info.WidthPixels, reader.Info.HeightPixels, reader.Info.RotationDegrees));
        Assert.Equal("h264", reader.Info.Codec);
        using var frame = new Mat();
        Assert.True(reader.TryReadFrame(frame, out _));
        Assert.Equal((240, 320), (frame.Cols, frame.Rows));
    }

    [Fact]
    public void Missing_path_directory_empty_and_text_files_give_clear_errors()
    {
        AssertFailure(_folder.File("nope.mp4"), VideoReadFailure.NotFound);
        AssertFailure(_folder.Path, VideoReadFailure.IsDirectory);
        string empty = _folder.File("empty.mp4");
        File.WriteAllBytes(empty, []);
        AssertFailure(empty, VideoReadFailure.Empty);
        string text = _folder.File("notes.mp4");
        File.WriteAllText(text, string.Concat(Enumerable.Repeat("This is a text file, not a video.\n", 200)));
        AssertFailure(text, VideoReadFailure.NotAVideo);
    }

    [Fact]
    public void A_cut_mp4_whose_index_is_lost_is_reported_as_truncated()
    {
        // OpenCV writes the mp4 index (moov) at the end, so cutting the file loses it.
        string whole = _folder.File("whole.mp4"), cut = _folder.File("cut.mp4");
        TestClips.WriteMovingRectangle(whole, frames: 30);
        byte[] bytes = File.ReadAllBytes(whole);
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        AssertFailure(cut, VideoReadFailure.TruncatedOrCorrupt);
    }

    [SharedDataFact]
    public void A_cut_copy_of_a_real_clip_fails_clearly_or_reports_fewer_frames()
    {
        string cut = _folder.File("force_plate_cut.mp4");
        byte[] bytes = File.ReadAllBytes(SharedData.DataFile("force_plate_subject_pose2sim_cam01.mp4"));
        File.WriteAllBytes(cut, bytes[..(bytes.Length * 2 / 5)]);
        try
        {
            using var reader = VideoReader.Open(cut);
            using var frame = new Mat();
            int decoded = 0;
            while (reader.TryReadFrame(frame, out _))
                decoded++;
            Assert.True(reader.EndedEarly, $"decoded {decoded} of {reader.Info.FrameCount} announced frames");
            Assert.True(decoded < reader.Info.FrameCount);
        }
        catch (VideoReadException e)
        {
            Assert.Equal(VideoReadFailure.TruncatedOrCorrupt, e.Reason);
            Assert.Contains("force_plate_cut.mp4", e.Message);
        }
    }

    [FfmpegFact]
    public void A_cut_mp4_with_its_index_in_front_decodes_fewer_frames_and_says_so()
    {
        string whole = _folder.File("faststart.mp4"), cut = _folder.File("faststart_cut.mp4");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=duration=4:size=320x240:rate=25", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "10", "-movflags", "+faststart", whole);
        byte[] bytes = File.ReadAllBytes(whole);
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        using var reader = VideoReader.Open(cut);
        Assert.Equal(100, reader.Info.FrameCount);
        using var frame = new Mat();
        int decoded = 0;
        while (reader.TryReadFrame(frame, out _))
            decoded++;
        Assert.InRange(decoded, 1, 99);
        Assert.True(reader.EndedEarly);
    }

    [SharedDataFact]
    public void Real_clips_report_their_known_properties()
    {
        using var portrait = VideoReader.Open(SharedData.DataFile("force_plate_subject_pose2sim_cam01.mp4"));
        Assert.Equal((100, 60.0, 1080, 1920), (portrait.Info.FrameCount, portrait.Info.FramesPerSecond, portrait.Info.WidthPixels, portrait.Info.HeightPixels));
        using var walking = VideoReader.Open(SharedData.DataFile("walking_sports2d_demo.mp4"));
        Assert.Equal((230, 30.0, 1768, 994), (walking.Info.FrameCount, walking.Info.FramesPerSecond, walking.Info.WidthPixels, walking.Info.HeightPixels));
    }

    [FfmpegTheory]
    [InlineData("constant")]
    [InlineData("variable")]
    public void Ffmpeg_decodes_the_frames_and_times_OpenCV_decodes(string frameRate)
    {
        // H.264 with B-frames (frames leave the decoder out of order); "variable": frame intervals of 50 and 30 ms in turn.
        string clip = _folder.File($"{frameRate}.mp4");
        string[] timing = frameRate == "variable" ? ["-vf", "settb=1/1000,setpts=(N*0.04+mod(N\\,2)*0.01)/TB", "-r", "1000", "-fps_mode", "passthrough"] : [];
        Ffmpeg.Run(["-f", "lavfi", "-i", "testsrc2=duration=2:size=320x240:rate=25", .. timing, "-c:v", "libx264", "-bf", "2", "-pix_fmt", "yuv420p", clip]);
        (List<double> openCvTimes, List<Mat> openCvFrames, string openCvDecoder) = DecodeAll(clip, ffmpegExecutable: null);
        (List<double> ffmpegTimes, List<Mat> ffmpegFrames, string ffmpegDecoder) = DecodeAll(clip, FfmpegExecutable.Found);
        Assert.Equal("OpenCV", openCvDecoder);
        Assert.StartsWith("ffmpeg", ffmpegDecoder);
        Assert.Equal(50, ffmpegFrames.Count);
        Assert.Equal(openCvFrames.Count, ffmpegFrames.Count);
        for (int i = 0; i < ffmpegTimes.Count; i++)
            Assert.Equal(openCvTimes[i], ffmpegTimes[i], 1e-6);
        if (frameRate == "variable")
            Assert.Equal(0.03, ffmpegTimes[2] - ffmpegTimes[1], 1e-6); // the real times, not index / fps
        for (int i = 0; i < ffmpegFrames.Count; i++)
            AssertSamePicture(openCvFrames[i], ffmpegFrames[i], $"frame {i}");
        foreach (Mat m in openCvFrames.Concat(ffmpegFrames)) m.Dispose();
    }

    [FfmpegTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void Lent_pixels_are_the_decoded_frame_before_its_conversion(bool withFfmpeg)
    {
        string clip = _folder.File("lent.mp4");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc2=duration=0.4:size=320x240:rate=25", "-c:v", "libx264", "-pix_fmt", "yuv420p", clip);
        string? executable = withFfmpeg ? FfmpegExecutable.Found : null;
        (List<double> times, List<Mat> frames, _) = DecodeAll(clip, executable);
        using var reader = VideoReader.Open(clip, executable);
        using var converted = new Mat();
        int count = 0;
        while (reader.TryReadFramePixels(out VideoFramePixels pixels, out VideoFrameStamp stamp))
        {
            Assert.Equal(withFfmpeg ? VideoPixelFormat.I420 : VideoPixelFormat.Bgr24, pixels.Format);
            Assert.Equal((320, 240), (pixels.WidthPixels, pixels.HeightPixels));
            Assert.Equal(withFfmpeg ? (320, 360) : (320, 240), (pixels.Pixels.Cols, pixels.Pixels.Rows));
            Assert.Equal((count, times[count]), (stamp.FrameIndex, stamp.TimestampSeconds));
            pixels.ToBgr(converted);
            using var difference = new Mat();
            Cv2.Absdiff(converted, frames[count], difference);
            Assert.Equal(0, Cv2.CountNonZero(difference.Reshape(1))); // what TryReadFrame hands out, to the bit
            count++;
        }
        Assert.Equal(frames.Count, count);
        Assert.True(reader.IsAtEnd);
        foreach (Mat m in frames) m.Dispose();
    }

    [FfmpegFact]
    public void Ffmpeg_frames_of_a_rotated_clip_are_as_displayed()
    {
        string source = _folder.File("landscape.mp4"), rotated = _folder.File("rotated.mp4");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=duration=0.5:size=320x240:rate=20", "-c:v", "libx264", "-pix_fmt", "yuv420p", source);
        Ffmpeg.Run("-i", source, "-c", "copy", "-metadata:s:v", "rotate=90", rotated);
        (_, List<Mat> openCvFrames, _) = DecodeAll(rotated, ffmpegExecutable: null);
        (_, List<Mat> ffmpegFrames, string decoder) = DecodeAll(rotated, FfmpegExecutable.Found);
        Assert.StartsWith("ffmpeg", decoder);
        Assert.Equal(openCvFrames.Count, ffmpegFrames.Count);
        Assert.Equal((240, 320), (ffmpegFrames[0].Cols, ffmpegFrames[0].Rows));
        AssertSamePicture(openCvFrames[3], ffmpegFrames[3], "frame 3");
        foreach (Mat m in openCvFrames.Concat(ffmpegFrames)) m.Dispose();
    }

    [FfmpegFact]
    public void Without_a_working_ffmpeg_OpenCV_decodes()
    {
        string clip = _folder.File("fallback.mp4");
        TestClips.WriteMovingRectangle(clip, frames: 10);
        string notThere = _folder.File("no-ffmpeg");
        string refusing = _folder.File("old-ffmpeg.sh"); // exits at once, as an ffmpeg refusing an option does
        File.WriteAllText(refusing, "#!/bin/sh\necho \"Unrecognized option 'fps_mode'.\" >&2\nexit 1\n");
        File.SetUnixFileMode(refusing, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        foreach (string executable in new[] { notThere, refusing })
        {
            (List<double> times, List<Mat> frames, string decoder) = DecodeAll(clip, executable);
            Assert.Equal("OpenCV", decoder);
            Assert.Equal(10, frames.Count);
            Assert.Equal(9 / 30.0, times[^1], 0.002);
            foreach (Mat m in frames) m.Dispose();
        }
        Assert.NotNull(FfmpegExecutable.Found); // a bad path given for one video does not turn the found ffmpeg off
    }

    [FfmpegFact]
    public void Stopping_early_stops_the_ffmpeg_process()
    {
        string clip = LongClip();
        int processId;
        using (var reader = VideoReader.Open(clip))
        using (var frame = new Mat())
        {
            Assert.True(reader.TryReadFrame(frame, out _));
            Assert.True(reader.TryReadFrame(frame, out _));
            processId = reader.DecoderProcessId ?? throw new Xunit.Sdk.XunitException("ffmpeg does not decode");
        }
        Assert.Throws<ArgumentException>(() => System.Diagnostics.Process.GetProcessById(processId)); // gone, not waiting on a full pipe
    }

    [FfmpegTheory]
    [InlineData("INT")]  // Ctrl+C in a terminal reaches ffmpeg too: its handler exits with 255
    [InlineData("KILL")] // killed outright: 128 + 9
    public void An_ffmpeg_stopped_by_a_signal_is_an_error_not_the_end_of_the_video(string signal)
    {
        // A video cut short that way must not pass for a shorter video.
        using var reader = VideoReader.Open(LongClip());
        using var frame = new Mat();
        Assert.True(reader.TryReadFrame(frame, out _));
        using (var kill = System.Diagnostics.Process.Start("kill", ["-" + signal, reader.DecoderProcessId!.Value.ToString()])) kill.WaitForExit();
        var e = Assert.Throws<VideoReadException>(() => { while (reader.TryReadFrame(frame, out _)) { } });
        Assert.Equal(VideoReadFailure.DecoderStopped, e.Reason);
        Assert.Contains("long.mp4", e.Message);
        Assert.Contains("signal", e.Message);
    }

    private string LongClip()
    {
        string clip = _folder.File("long.mp4");
        if (!File.Exists(clip))
            Ffmpeg.Run("-f", "lavfi", "-i", "testsrc2=duration=20:size=640x480:rate=30", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", clip);
        return clip;
    }

    [Fact]
    public void Showinfo_lines_give_index_time_and_size()
    {
        var line = FfmpegFrameSource.ParseFrameLine("[Parsed_showinfo_0 @ 0x56516085e000] n:  12 pts:   6144 pts_time:0.4     pos:    48 fmt:yuv420p sar:1/1 s:1920x1080 i:P iskey:0 type:B");
        Assert.Equal(new FfmpegFrameSource.FrameLine(12, 0.4, 1920, 1080), line);
        var unknownTime = FfmpegFrameSource.ParseFrameLine("[Parsed_showinfo_0 @ 0x1] n:   3 pts:NOPTS pts_time:NOPTS pos: -1 fmt:yuv420p sar:1/1 s:320x240 i:P");
        Assert.True(double.IsNaN(unknownTime!.Value.TimestampSeconds));
        Assert.Equal(3, unknownTime.Value.Index);
        Assert.Null(FfmpegFrameSource.ParseFrameLine("[Parsed_showinfo_0 @ 0x1] config in time_base: 1/15360, frame_rate: 30/1"));
        Assert.Null(FfmpegFrameSource.ParseFrameLine("[h264 @ 0x2] error while decoding MB 3 4, bytestream -5"));
    }

    // The same decoded picture: H.264 decoding is exact, the YUV-to-BGR conversions differ. OpenCV's FFmpeg converts with
    // swscale, which interpolates the chroma and rounds down (0.49 levels from exact BT.601 on a grey ramp through the
    // ffmpeg CLI, against cvtColor's 0.25), so the ffmpeg path is about a level brighter, a few edge pixels more.
    private static void AssertSamePicture(Mat openCv, Mat ffmpeg, string what)
    {
        using Mat openCvGray = openCv.CvtColor(ColorConversionCodes.BGR2GRAY), ffmpegGray = ffmpeg.CvtColor(ColorConversionCodes.BGR2GRAY);
        using var difference = new Mat();
        Cv2.Absdiff(openCvGray, ffmpegGray, difference);
        double mean = Cv2.Mean(difference).Val0;
        using Mat farApart = difference.GreaterThan(3);
        double farApartFraction = Cv2.CountNonZero(farApart) / (double)difference.Total();
        Assert.True(mean < 1.5 && farApartFraction < 0.01, $"{what}: brightness differs by {mean:F2} on average, by more than 3 in {100 * farApartFraction:F2}% of pixels");
    }

    private static (List<double> Times, List<Mat> Frames, string Decoder) DecodeAll(string path, string? ffmpegExecutable)
    {
        using var reader = VideoReader.Open(path, ffmpegExecutable);
        var times = new List<double>();
        var frames = new List<Mat>();
        var frame = new Mat();
        while (reader.TryReadFrame(frame, out VideoFrameStamp stamp))
        {
            times.Add(stamp.TimestampSeconds);
            frames.Add(frame.Clone());
        }
        frame.Dispose();
        return (times, frames, reader.Decoder);
    }

    private static void AssertFailure(string path, VideoReadFailure expected)
    {
        var e = Assert.Throws<VideoReadException>(() => VideoReader.Open(path).Dispose());
        Assert.Equal(expected, e.Reason);
        Assert.Equal(path, e.VideoPath);
        Assert.Contains(Path.GetFileName(path.TrimEnd('/')), e.Message);
        Assert.IsAssignableFrom<IOException>(e);
    }
}
