using MonoBiomech.Engine.Formats;
using MonoBiomech.Engine.Pose;
using MonoBiomech.Engine.Pose.Metrabs;
using MonoBiomech.Engine.Tests.TestSupport;
using MonoBiomech.Engine.Video;
using MonoBiomech.Pose;
using MonoBiomech.Tests;
using Xunit;

namespace MonoBiomech.Engine.Tests.Pose.Metrabs;

/// <summary>The whole MeTRAbs stage against an oracle backbone whose answers are the exact geometry of each crop.</summary>
public class MetrabsOracleTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const double MaxErrorMillimetres = 0.1, MaxErrorPixels = 0.01;

    [SharedDataTheory]
    [InlineData(5, true)]
    [InlineData(1, true)]
    [InlineData(3, false)]
    public void The_stage_recovers_the_skeleton_in_the_video_camera(int augmentations, bool halfPrecisionInput)
    {
        using var folder = new TempFolder();
        var scene = MetrabsOracleScene.Write(folder.Path, augmentations, halfPrecisionInput);
        PoseSequence poses = PoseEstimationPipeline.Run(scene.Detection(), scene.Settings(augmentations), null, CancellationToken.None);

        MetrabsSkeleton skeleton = scene.Metadata.Skeleton(PoseEstimationSettings.DefaultMetrabsSkeleton);
        Assert.Equal(scene.FrameCount, poses.FrameCount);
        Assert.Equal(KeypointsNpz.BmlMovi87JointNames, poses.JointNames);
        Assert.Equal("bml_movi_87", poses.KeypointSetName);
        Assert.Equal(FfmpegExecutable.Found is { } ffmpeg ? $"ffmpeg ({ffmpeg})" : "OpenCV", poses.VideoDecoderDescription);
        Assert.False(poses.Keypoints3dAreRootRelative);
        Assert.Equal(scene.Camera, poses.Camera);
        int keypoints = poses.JointCount;
        double worst3d = 0, worst2d = 0;
        for (int f = 0; f < scene.FrameCount; f++)
            for (int k = 0; k < keypoints; k++)
            {
                int at = f * keypoints + k;
                if (scene.Joints[f] is not { } cloud)
                {
                    Assert.Equal(0, poses.Confidences[at]);
                    Assert.True(double.IsNaN(poses.Keypoints3dMillimetres[3 * at]) && double.IsNaN(poses.Keypoints2dPixels[2 * at]));
                    continue;
                }
                Vector3d p = cloud[skeleton.JointIndices[k]];
                (double u, double v) = scene.Camera.Project(p.X, p.Y, p.Z);
                worst3d = Math.Max(worst3d, new Vector3d(poses.Keypoints3dMillimetres[3 * at] - p.X, poses.Keypoints3dMillimetres[3 * at + 1] - p.Y,
                    poses.Keypoints3dMillimetres[3 * at + 2] - p.Z).Length);
                worst2d = Math.Max(worst2d, Math.Max(Math.Abs(poses.Keypoints2dPixels[2 * at] - u), Math.Abs(poses.Keypoints2dPixels[2 * at + 1] - v)));
                Assert.InRange(poses.Confidences[at], 0.94, 1.0); // the augmentations agree exactly
            }
        output.WriteLine($"{augmentations} augmentations, {(halfPrecisionInput ? "float16" : "float32")}: worst 3D error {worst3d:E2} mm, worst 2D error {worst2d:E2} px");
        Assert.True(worst3d < MaxErrorMillimetres, $"worst 3D error {worst3d:F4} mm");
        Assert.True(worst2d < MaxErrorPixels, $"worst 2D error {worst2d:F5} px");
    }

    [SharedDataFact]
    public void Results_do_not_depend_on_the_batch_size()
    {
        using var folder = new TempFolder();
        var scene = MetrabsOracleScene.Write(folder.Path, 5);
        PoseSequence one = PoseEstimationPipeline.Run(scene.Detection(), scene.Settings(5, batchSizeFrames: 1), null, CancellationToken.None);
        PoseSequence four = PoseEstimationPipeline.Run(scene.Detection(), scene.Settings(5, batchSizeFrames: 4), null, CancellationToken.None);
        Assert.Equal(one.Keypoints3dMillimetres, four.Keypoints3dMillimetres);
        Assert.Equal(one.Keypoints2dPixels, four.Keypoints2dPixels);
        Assert.Equal(one.Confidences, four.Confidences);
    }

    [SharedDataFact]
    public void Bml_movi_87_is_named_as_the_body_models_sites_in_MeTRAbs_order()
    {
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(SharedData.DataFile("metrabs_derived.json")));
        var table = json.RootElement.GetProperty("bml_movi_87").EnumerateArray().ToArray();
        MetrabsSkeleton skeleton = MetrabsMetadata.Read(SharedData.DataFile("metrabs_metadata.pkl")).Skeleton("bml_movi_87");
        Assert.Equal(table.Select(e => e.GetProperty("metadata_name").GetString()), skeleton.JointNames);
        Assert.Equal(table.Select(e => e.GetProperty("main_py_site_name").GetString()), KeypointsNpz.BmlMovi87JointNames);
    }

    [SharedDataFact]
    public void Cancelling_stops_a_running_inference_at_once()
    {
        using var folder = new TempFolder();
        var scene = MetrabsOracleScene.Write(folder.Path, 5);
        // A backbone of the real one's cost: about a second per batch of 5 frames x 5 crops, so the cancellation lands inside an inference.
        File.WriteAllBytes(Path.Combine(scene.ModelFolder, MetrabsModelFiles.BackboneFileName), OnnxModelWriter.EfficientNetV2SBackbone(256, 555));
        var settings = scene.Settings(5, batchSizeFrames: 5);
        PoseEstimationPipeline.PrepareModel(settings); // load outside the timed part
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => PoseEstimationPipeline.Run(scene.Detection(), settings, null, cancel.Token));
        output.WriteLine($"stopped {clock.Elapsed.TotalSeconds:F2} s after the start, cancelled at 0.2 s");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"stopped after {clock.Elapsed.TotalSeconds:F1} s");
    }
}
