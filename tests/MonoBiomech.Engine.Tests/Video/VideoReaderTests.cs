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

    private static void AssertFailure(string path, VideoReadFailure expected)
    {
        var e = Assert.Throws<VideoReadException>(() => VideoReader.Open(path).Dispose());
        Assert.Equal(expected, e.Reason);
        Assert.Equal(path, e.VideoPath);
        Assert.Contains(Path.GetFileName(path.TrimEnd('/')), e.Message);
        Assert.IsAssignableFrom<IOException>(e);
    }
}
