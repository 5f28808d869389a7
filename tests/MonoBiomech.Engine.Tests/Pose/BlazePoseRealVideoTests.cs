using MonoBiomech.Caching;
using MonoBiomech.Detection;
using MonoBiomech.Engine.Caching;
using MonoBiomech.Engine.Detection;
using MonoBiomech.Engine.Fitting;
using MonoBiomech.Engine.Pose;
using MonoBiomech.Engine.Video;
using MonoBiomech.Engine.Tests.Fitting;
using MonoBiomech.Engine.Tests.TestSupport;
using MonoBiomech.Fitting;
using MonoBiomech.Pose;
using MonoBiomech.Tests;

namespace MonoBiomech.Engine.Tests.Pose;

/// <summary>
/// BlazePose on the two real clips. What was checked by eye (keypoints drawn on frames 30, 60, 99 of the force-plate clip
/// and 40, 100, 150, 190 of the walking clip: every drawn landmark on its joint, the raised arm included) is encoded here as
/// geometry any correct run must show, on every frame: the subject's hips inside its box, never the other person, the head
/// above the hips above the feet, and a hip-centred 3D body of human proportions.
/// </summary>
public sealed class BlazePoseRealVideoTests
{
    private const string ForcePlate = "force_plate_subject_pose2sim_cam01.mp4", Walking = "walking_sports2d_demo.mp4";
    private static readonly Lazy<(PersonDetectionResult, PoseSequence)> ForcePlateRun = new(() => Run(ForcePlate));
    private static readonly Lazy<(PersonDetectionResult, PoseSequence)> WalkingRun = new(() => Run(Walking));

    private static PoseEstimationSettings Settings => new() { ModelDirectory = BlazePoseFactAttribute.ModelsFolder };

    private static (PersonDetectionResult, PoseSequence) Run(string clip)
    {
        var detection = PersonDetectionPipeline.Run(SharedData.DataFile(clip), new PersonDetectionSettings(), null, CancellationToken.None);
        return (detection, PoseEstimationPipeline.Run(detection, Settings, null, CancellationToken.None));
    }

    private static int Index(string name) => PoseEstimationPipeline.BlazePoseLandmarkNames.ToList().IndexOf(name);

    private static (double X, double Y) Point2d(PoseSequence p, int t, int k) => (p.Keypoints2dPixels[(t * 33 + k) * 2], p.Keypoints2dPixels[(t * 33 + k) * 2 + 1]);

    private static (double X, double Y, double Z) Point3d(PoseSequence p, int t, int k) =>
        (p.Keypoints3dMillimetres[(t * 33 + k) * 3], p.Keypoints3dMillimetres[(t * 33 + k) * 3 + 1], p.Keypoints3dMillimetres[(t * 33 + k) * 3 + 2]);

    [BlazePoseFact]
    public void Force_plate_clip_keypoints_sit_on_the_subject_in_every_frame_it_is_tracked()
    {
        (PersonDetectionResult detection, PoseSequence poses) = ForcePlateRun.Value;
        Assert.Equal(100, poses.FrameCount);
        Assert.Equal(PoseEstimationPipeline.BlazePoseKeypointSet, poses.KeypointSetName);
        Assert.True(poses.Keypoints3dAreRootRelative);
        Assert.Equal(1080, poses.Camera.ImageWidthPixels);
        Assert.Equal(1920 / (2 * Math.Tan(67 * Math.PI / 360)), poses.Camera.FocalLengthXPixels, 6); // 67° across the long side
        Assert.True(poses.FramesWithKeypoints >= 80, $"keypoints in {poses.FramesWithKeypoints} of 100 frames (measured: 86)");
        AssertOnTheSubjectAndUpright(detection, poses);
    }

    [BlazePoseFact]
    public void Walking_clip_keypoints_follow_the_subject_track_not_the_other_person()
    {
        (PersonDetectionResult detection, PoseSequence poses) = WalkingRun.Value;
        Assert.Equal(230, poses.FrameCount);
        Assert.True(poses.FramesWithKeypoints >= 140, $"keypoints in {poses.FramesWithKeypoints} frames (measured: 163 of the 173 with a subject box)");
        AssertOnTheSubjectAndUpright(detection, poses);
        // The subject track is the woman walking in the lower band: no keypoint frame has its hips up on the box (y < 450).
        int hips = Index("left_hip");
        for (int t = 0; t < poses.FrameCount; t++)
            if (poses.Confidences[t * 33] > 0) Assert.True(Point2d(poses, t, hips).Y > 450, $"frame {t}: hips at y = {Point2d(poses, t, hips).Y:F0}");
    }

    private static void AssertOnTheSubjectAndUpright(PersonDetectionResult detection, PoseSequence poses)
    {
        int nose = Index("nose"), leftHip = Index("left_hip"), rightHip = Index("right_hip"), leftAnkle = Index("left_ankle"), rightAnkle = Index("right_ankle");
        int leftKnee = Index("left_knee");
        var thighs = new List<double>();
        for (int t = 0; t < poses.FrameCount; t++)
        {
            PersonBox? box = detection.SubjectBoxes[t];
            bool found = poses.Confidences[t * 33] > 0;
            if (box is null) { Assert.False(found, $"frame {t}: keypoints without a subject box"); continue; }
            if (!found)
            {
                Assert.All(Enumerable.Range(0, 33), k => Assert.Equal(0, poses.Confidences[t * 33 + k]));
                Assert.True(double.IsNaN(poses.Keypoints3dMillimetres[t * 99]), "frames without keypoints hold NaN, not zeros");
                continue;
            }
            Assert.All(Enumerable.Range(0, 33), k => Assert.InRange(poses.Confidences[t * 33 + k], 0.0, 1.0));
            (double hx, double hy) = Point2d(poses, t, leftHip);
            Assert.True(hx >= box.XPixels - 0.1 * box.WidthPixels && hx <= box.XPixels + 1.1 * box.WidthPixels
                        && hy >= box.YPixels && hy <= box.YPixels + box.HeightPixels, $"frame {t}: hips at ({hx:F0}, {hy:F0}) outside the subject box");
            // Upright in the image (y down): nose above hips above ankles.
            Assert.True(Point2d(poses, t, nose).Y < hy && hy < Point2d(poses, t, leftAnkle).Y && hy < Point2d(poses, t, rightAnkle).Y, $"frame {t} is not upright");
            // 3D: hip-centred (the hip midpoint at the origin), y down in the camera's axes.
            var (lx, ly, lz) = Point3d(poses, t, leftHip);
            var (rx, ry, rz) = Point3d(poses, t, rightHip);
            Assert.True(Math.Sqrt((lx + rx) * (lx + rx) + (ly + ry) * (ly + ry) + (lz + rz) * (lz + rz)) / 2 < 30, $"frame {t}: the hips are not centred on the origin");
            double noseY = Point3d(poses, t, nose).Y, ankleY = Math.Max(Point3d(poses, t, leftAnkle).Y, Point3d(poses, t, rightAnkle).Y);
            // measured: nose 228-645 mm above the hips (the force-plate subject leans far forward), lower ankle ≥ 557 mm below
            Assert.True(noseY < -150 && ankleY > 400, $"frame {t}: head not up or feet not down in 3D (nose y {noseY:F0} mm, lower ankle y {ankleY:F0} mm)");
            var (kx, ky, kz) = Point3d(poses, t, leftKnee);
            thighs.Add(Math.Sqrt((kx - lx) * (kx - lx) + (ky - ly) * (ky - ly) + (kz - lz) * (kz - lz)));
        }
        Assert.InRange(thighs.Average(), 300, 500); // the reference measured 0.40 ± 0.02 m on the force-plate clip
    }

    [BlazePoseFact]
    public void The_fit_of_real_blazepose_keypoints_converges_to_human_joint_angles()
    {
        (_, PoseSequence poses) = ForcePlateRun.Value;
        MonoBiomech.Engine.BodyModels.BodyModel model = FitTestData.Load(FitTestData.Own);
        BiomechFitResult fit = BiomechFitter.Fit(model, new[] { poses }, new BiomechFitSettings(), null, CancellationToken.None)[0];
        Assert.Equal(FitExitReason.Converged, fit.Metrics!.ExitReason);
        // Only the frames from the subject's first to its last keypoints are fitted (measured: 86 of 100).
        Assert.Equal(poses.FramesWithKeypoints, fit.FrameCount);
        Assert.True(fit.Metrics.Mean2dErrorPixels < 12, $"2D residual {fit.Metrics.Mean2dErrorPixels:F1} px (measured 7.9)");
        Assert.True(fit.Metrics.Mean3dErrorMillimetres < 40, $"3D residual {fit.Metrics.Mean3dErrorMillimetres:F1} mm (measured 24.9)");
        // The keypoints placed in the world by the fit lie near their sites: the 3D residual, measured the other way round.
        var distances = new List<double>();
        for (int t = 0; t < fit.FrameCount; t++)
            for (int k = 0; k < fit.KeypointNames.Count; k++)
            {
                int site = fit.SiteNames.ToList().IndexOf(fit.KeypointNames[k]);
                int o = (t * fit.KeypointNames.Count + k) * 3, so = (t * fit.SiteNames.Count + site) * 3;
                if (site < 0 || !double.IsFinite(fit.KeypointPositionsMetres[o])) continue;
                distances.Add(1000 * Math.Sqrt(Enumerable.Range(0, 3).Sum(a => Math.Pow(fit.KeypointPositionsMetres[o + a] - fit.SitePositionsMetres[so + a], 2))));
            }
        Assert.True(distances.Count > fit.FrameCount * 20, $"{distances.Count} placed keypoints");
        Assert.InRange(distances.Average(), 5, 45);
        foreach (string knee in new[] { "knee_angle_r", "knee_angle_l" })
            Assert.All(fit.Coordinate(knee, AngleUnit.Degrees), v => Assert.InRange(v, -140, 10));
        foreach (string elbow in new[] { "elbow_flex_r", "elbow_flex_l" })
            Assert.All(fit.Coordinate(elbow, AngleUnit.Degrees), v => Assert.InRange(v, -10, 160));
    }

    [BlazePoseFact]
    public void The_stage_caches_keypoints_and_the_subject_track_under_the_video_and_settings()
    {
        var cache = new SessionCache();
        string video = SharedData.DataFile(ForcePlate);
        var settings = Settings with { ModelComplexity = BlazePoseComplexity.Lite };
        PoseStageResult first = PoseStage.Run(video, null, settings, cache, refresh: false, null, CancellationToken.None);
        Assert.False(first.FromCache);
        Assert.Equal(2, cache.Count); // the subject track and the keypoints
        Assert.Contains("Lite", first.Poses.PoseModelDescription);
        Assert.Equal(FfmpegExecutable.Found is { } ffmpeg ? $"ffmpeg ({ffmpeg})" : "OpenCV", first.Poses.VideoDecoderDescription);
        PoseStageResult second = PoseStage.Run(video, null, settings, cache, refresh: false, null, CancellationToken.None);
        Assert.True(second.FromCache);
        Assert.Same(first.Poses, second.Poses);
        Assert.Same(second.Poses, cache.FindPose(video)!.Value);
        PoseStageResult again = PoseStage.Run(video, null, settings, cache, refresh: true, null, CancellationToken.None);
        Assert.False(again.FromCache);
        Assert.True(again.DetectionFromCache);
        Assert.Equal(first.Poses.Keypoints2dPixels, again.Poses.Keypoints2dPixels); // deterministic
    }

    [BlazePoseFact]
    public void Cancelling_stops_the_run_within_a_second()
    {
        (PersonDetectionResult detection, _) = ForcePlateRun.Value;
        using var cancellation = new CancellationTokenSource();
        var sinceCancel = new System.Diagnostics.Stopwatch();
        var progress = new SynchronousProgress<PoseProgress>(p =>
        {
            if (p.FramesDone < 10 || cancellation.IsCancellationRequested) return;
            cancellation.Cancel();
            sinceCancel.Start();
        });
        Assert.ThrowsAny<OperationCanceledException>(() => PoseEstimationPipeline.Run(detection, Settings, progress, cancellation.Token));
        Assert.True(sinceCancel.IsRunning, "the run ended before it was cancelled");
        Assert.True(sinceCancel.Elapsed < TimeSpan.FromSeconds(1), $"stopped {sinceCancel.Elapsed.TotalSeconds:F2} s after the cancel");
    }
}
