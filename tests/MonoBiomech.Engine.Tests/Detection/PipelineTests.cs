using MonoBiomech.Detection;
using MonoBiomech.Engine.Detection;
using MonoBiomech.Engine.Tests.TestSupport;
using MonoBiomech.Engine.Video;
using OpenCvSharp;

namespace MonoBiomech.Engine.Tests.Detection;

public sealed class PipelineTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Synthetic clip: a grey person-shaped blob walking right over a textured still background.</summary>
    private string WriteWalkingBlob(int frames)
    {
        string path = _folder.File("blob.mp4");
        using var writer = new VideoWriter(path, FourCC.MP4V, 30, new Size(320, 240));
        using var background = new Mat(240, 320, MatType.CV_8UC3);
        Cv2.Randu(background, Scalar.All(60), Scalar.All(110));
        Cv2.GaussianBlur(background, background, new Size(5, 5), 0);
        using var frame = new Mat();
        for (int i = 0; i < frames; i++)
        {
            background.CopyTo(frame);
            int x = 20 + 4 * i;
            Cv2.Ellipse(frame, new Point(x + 15, 70), new Size(10, 12), 0, 0, 360, Scalar.All(220), -1);  // head
            Cv2.Rectangle(frame, new Rect(x + 3, 82, 24, 60), Scalar.All(200), -1);                      // body
            Cv2.Rectangle(frame, new Rect(x + 3 + (i % 6), 142, 8, 50), Scalar.All(190), -1);             // legs
            Cv2.Rectangle(frame, new Rect(x + 19 - (i % 6), 142, 8, 50), Scalar.All(190), -1);
            writer.Write(frame);
        }
        return path;
    }

    [Fact]
    public void A_moving_person_shape_is_found_and_followed_with_detection_every_fifth_frame()
    {
        string clip = WriteWalkingBlob(60);
        var progress = new List<DetectionProgress>();
        var result = PersonDetectionPipeline.Run(clip, new PersonDetectionSettings { DetectionInterval = 5 },
            new SynchronousProgress<DetectionProgress>(progress.Add), CancellationToken.None);
        Assert.Equal(60, result.FramesDecoded);
        Assert.False(result.VideoEndedEarly);
        Assert.Equal(FfmpegExecutable.Found is { } ffmpeg ? $"ffmpeg ({ffmpeg})" : "OpenCV", result.VideoDecoderDescription);
        Assert.Equal(Enumerable.Range(0, 60).Select(i => i % 5 == 0), result.Frames.Select(f => f.Detected));
        Assert.Equal(60, progress[^1].FramesDone);
        // Once the background model has seen it move, the subject box follows the blob's centre (x = 35 + 4 i).
        var followed = Enumerable.Range(10, 50).Where(i => result.SubjectBoxes[i] is { } b && Math.Abs(b.CenterXPixels - (35 + 4 * i)) < 25).Count();
        Assert.True(followed >= 40, $"subject box on the blob in {followed} of frames 10..59");
    }

    [Fact]
    public void An_onnx_detector_runs_through_the_pipeline_and_its_subject_is_the_steady_person()
    {
        // A YOLOv8-layout model that always reports two persons on a 320x240 frame (input 320x320, 40 px band on top):
        // a large one at (40, 20, 60, 180) scored 0.5 and a small one at (220, 100, 30, 60) scored 0.9.
        float[] candidates = new float[84 * 2];
        void Put(int n, float cx, float cy, float w, float h, float score)
        {
            candidates[0 * 2 + n] = cx; candidates[1 * 2 + n] = cy; candidates[2 * 2 + n] = w; candidates[3 * 2 + n] = h; candidates[4 * 2 + n] = score;
        }
        Put(0, 70, 150, 60, 180, 0.5f);
        Put(1, 235, 170, 30, 60, 0.9f);
        string model = _folder.File("two_people.onnx");
        File.WriteAllBytes(model, OnnxModelWriter.ConstantOutputs("images", [1, 3, 320, 320], ("output0", [1, 84, 2], candidates)));
        string clip = WriteWalkingBlob(20);
        var settings = new PersonDetectionSettings { Detector = DetectorKind.Onnx, OnnxModelPath = model, IntraOpThreads = 1 };

        var longest = PersonDetectionPipeline.Run(clip, settings, null, CancellationToken.None);
        Assert.Contains("YOLOv8", longest.DetectorDescription);
        Assert.All(longest.Frames, f => Assert.Equal(2, f.Boxes.Count));
        Assert.Equal(2, longest.Tracks.Count);
        Assert.Equal(20, longest.FramesWithSubject);
        Assert.All(longest.SubjectBoxes, b => Assert.Equal((220f, 100f, 0.9f), (b!.XPixels, b.YPixels, b.Score)));

        var largest = PersonDetectionPipeline.Run(clip, settings with { SubjectPolicy = SubjectPolicy.Largest }, null, CancellationToken.None);
        Assert.All(largest.SubjectBoxes, b => Assert.Equal((40f, 20f, 60f, 180f), (b!.XPixels, b.YPixels, b.WidthPixels, b.HeightPixels)));
    }

    [Fact]
    public void Cancellation_stops_the_run()
    {
        string clip = WriteWalkingBlob(60);
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress<DetectionProgress>(_ => cancel.Cancel());
        Assert.ThrowsAny<OperationCanceledException>(() =>
            PersonDetectionPipeline.Run(clip, new PersonDetectionSettings(), progress, cancel.Token));
        cancel.Dispose();
        using var already = new CancellationTokenSource();
        already.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => PersonDetectionPipeline.Run(clip, new PersonDetectionSettings(), null, already.Token));
    }

    [Fact]
    public void Bad_settings_and_bad_videos_are_reported_before_any_work()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PersonDetectionSettings { DetectionInterval = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new PersonDetectionSettings { Detector = DetectorKind.Onnx }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new PersonDetectionSettings { ScoreThreshold = 1.5f }.Validate());
        var e = Assert.Throws<VideoReadException>(() => PersonDetectionPipeline.Run(_folder.File("missing.mp4"), new PersonDetectionSettings(), null, CancellationToken.None));
        Assert.Equal(VideoReadFailure.NotFound, e.Reason);
    }

    [Fact]
    public void Cache_key_changes_with_every_setting_that_changes_results()
    {
        var baseline = new PersonDetectionSettings();
        var variants = new[]
        {
            baseline with { ScoreThreshold = 0.5f }, baseline with { NmsIouThreshold = 0.5f }, baseline with { DetectionInterval = 3 },
            baseline with { SubjectPolicy = SubjectPolicy.Largest }, baseline with { MaxTrackGapSeconds = 2 },
            baseline with { DefaultDetectorWorkingSizePixels = 320 }, baseline with { Detector = DetectorKind.Onnx, OnnxModelPath = "m.onnx" },
        };
        var keys = variants.Select(PersonDetectionPipeline.SettingsKey).Append(PersonDetectionPipeline.SettingsKey(baseline)).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Equal(PersonDetectionPipeline.SettingsKey(baseline), PersonDetectionPipeline.SettingsKey(new PersonDetectionSettings()));
        // threads and graph optimisation change the speed only
        Assert.Equal(PersonDetectionPipeline.SettingsKey(baseline), PersonDetectionPipeline.SettingsKey(baseline with { IntraOpThreads = 7 }));
        Assert.Equal(PersonDetectionPipeline.SettingsKey(baseline), PersonDetectionPipeline.SettingsKey(baseline with { OnnxGraphOptimization = OnnxGraphOptimizationLevel.Basic }));
    }
}
