using MonoBiomech.Engine.Caching;
using MonoBiomech.Engine.Pipeline;
using MonoBiomech.Engine.Tests.Fitting;
using MonoBiomech.Engine.Tests.TestSupport;
using MonoBiomech.Fitting;
using MonoBiomech.Pipeline;
using MonoBiomech.Pose;
using MonoBiomech.Tests;

namespace MonoBiomech.Engine.Tests.Pipeline;

public sealed class VideoPipelineTests
{
    private static readonly PoseEstimationSettings Pose = new() { ModelDirectory = BlazePoseFactAttribute.ModelsFolder, ModelComplexity = BlazePoseComplexity.Lite };

    [BlazePoseFact]
    public void A_video_becomes_nine_whole_files_and_a_second_run_reuses_the_cached_keypoints()
    {
        using var folder = new TempFolder();
        var cache = new SessionCache();
        string video = SharedData.DataFile("force_plate_subject_pose2sim_cam01.mp4");
        var model = FitTestData.Load(FitTestData.Own);
        var outputs = PipelineOutputs.For(video, folder.Path);
        var stages = new List<string>();
        MonoBiomechResult first = VideoPipeline.Run(video, Pose, model, new BiomechFitSettings { MaxIterations = 20 }, outputs, cache,
            new SynchronousProgress<PipelineProgress>(p => { if (!stages.Contains(p.Stage)) stages.Add(p.Stage); }), CancellationToken.None);
        Assert.Equal(new[] { "person detection", "keypoints", "fit", "writing" }, stages);
        Assert.Equal(outputs.All, first.OutputFiles);
        Assert.All(first.OutputFiles, f => Assert.True(new FileInfo(f).Length > 0, f));
        Assert.Equal(9, Directory.GetFiles(folder.Path).Length); // no temporary file left
        Assert.False(first.KeypointsFromCache);
        File.Copy(outputs.JointAnglePlot, Path.Combine(Path.GetTempPath(), "monobiomech-force-plate-joint-angles.png"), overwrite: true); // to look at
        File.Copy(outputs.OverlayStill, Path.Combine(Path.GetTempPath(), "monobiomech-force-plate-overlay.png"), overwrite: true);
        // the overlay video has every frame of the video, at its size, in H.264 where ffmpeg can write it
        using (var overlay = Engine.Video.VideoReader.Open(outputs.OverlayVideo))
        {
            Assert.Equal(100, overlay.Info.FrameCount);
            Assert.Equal((1080, 1920), (overlay.Info.WidthPixels, overlay.Info.HeightPixels));
            Assert.Equal(Engine.Video.FfmpegExecutable.Found is null ? "mp4v" : "h264", overlay.Info.Codec);
        }
        MonoBiomechResult second = VideoPipeline.Run(video, Pose, model, new BiomechFitSettings { MaxIterations = 20 }, PipelineOutputs.For(video, Path.Combine(folder.Path, "again")), cache, null, CancellationToken.None);
        Assert.True(second.KeypointsFromCache);
        Assert.Same(first.Keypoints, second.Keypoints);
    }

    [BlazePoseFact]
    public void Cancelled_during_the_fit_it_writes_no_file()
    {
        using var folder = new TempFolder();
        string video = SharedData.DataFile("force_plate_subject_pose2sim_cam01.mp4");
        using var cancellation = new CancellationTokenSource();
        var progress = new SynchronousProgress<PipelineProgress>(p => { if (p.Stage == VideoPipeline.FitStage) cancellation.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => VideoPipeline.Run(video, Pose, FitTestData.Load(FitTestData.Own), new BiomechFitSettings(),
            PipelineOutputs.For(video, folder.Path), new SessionCache(), progress, cancellation.Token));
        Assert.Empty(Directory.GetFiles(folder.Path));
    }
}
