using MonoBiomech.Pose;
using static MonoBiomech.Engine.Tests.Fitting.Monocular.BenchMath;

namespace MonoBiomech.Engine.Tests.Fitting.Monocular;

/// <summary>The named error presets of the bench.</summary>
public enum MonocularPreset
{
    /// <summary>Exact camera-frame 3D and 2D keypoints.</summary>
    NoiseFree,

    /// <summary>Only the per-frame common 3D offset (monocular depth ambiguity).</summary>
    CommonOffsetOnly,

    /// <summary>Everything MeTRAbs-like: common offset, point noise, outliers, missing frames, far-side occlusion, left/right swaps.</summary>
    Realistic,

    /// <summary><see cref="Realistic"/> with hip-centred 3D (BlazePose world landmarks): no absolute depth at all.</summary>
    RealisticHipCentred,
}

/// <summary>What the 3D keypoints are relative to.</summary>
internal enum Keypoint3dFrame
{
    /// <summary>The camera frame (MeTRAbs, upstream): absolute, with the common offset.</summary>
    Camera,

    /// <summary>Camera axes but the origin at the true hip-joint-centre midpoint of each frame (BlazePose world landmarks); no common offset.</summary>
    HipCentred,
}

/// <summary>
/// Errors of monocular 3D pose estimation as they look in MeTRAbs output, applied to the exact camera-frame keypoints
/// of a clip (3D in mm, 2D in px). Per frame: a common 3D offset of all points (larger along the viewing ray than across
/// it; 2D keypoints do not get it, they are where the person is in the image), per-point Gaussian noise, a fraction
/// of outlier points, lower confidence and larger errors on the far-side arm and leg; per clip: runs of frames with the
/// left/right labels exchanged, and missing frames written as upstream writes them (zeros, confidence 0).
/// </summary>
internal sealed record MonocularKeypointErrors
{
    /// <summary>|cos| of the angle between the hip axis and the viewing ray above which one side is the far side (the view is 30°+ off frontal).</summary>
    private const double FarSideCosine = 0.5;

    /// <summary>σ of the common offset in each of the two directions across the viewing ray.</summary>
    public double CommonOffsetAcrossRayMillimetres { get; init; }

    /// <summary>σ of the common offset along the viewing ray (from the camera to the subject's hip centre).</summary>
    public double CommonOffsetAlongRayMillimetres { get; init; }

    /// <summary>σ per axis of each 3D point's own error.</summary>
    public double PointSigma3dMillimetres { get; init; }

    /// <summary>σ per axis of each 2D point's own error.</summary>
    public double PointSigma2dPixels { get; init; }

    /// <summary>Probability that a point is an outlier: displaced in a random direction by a uniform distance in the ranges below (3D and 2D together).</summary>
    public double OutlierFraction { get; init; }

    public (double Min, double Max) Outlier3dMillimetres { get; init; } = (100, 400);

    public (double Min, double Max) Outlier2dPixels { get; init; } = (30, 150);

    /// <summary>Fraction of frames without a detection (exactly round(fraction × frames) frames).</summary>
    public double MissingFrameFraction { get; init; }

    /// <summary>In views 30°+ off frontal, the farther side's arm and leg points get a confidence in <see cref="OccludedConfidence"/> and errors × <see cref="OccludedErrorFactor"/>.</summary>
    public bool OccludeFarSide { get; init; }

    public (double Min, double Max) OccludedConfidence { get; init; } = (0.3, 0.6);

    public double OccludedErrorFactor { get; init; } = 2;

    /// <summary>Lengths of the runs of frames whose left/right labels are exchanged (whole frame, 2D and 3D and confidence), placed at random without overlap.</summary>
    public IReadOnlyList<int> SwapRunFrames { get; init; } = [];

    public Keypoint3dFrame Frame { get; init; } = Keypoint3dFrame.Camera;

    public static MonocularKeypointErrors NoiseFree { get; } = new();

    public static MonocularKeypointErrors CommonOffsetOnly { get; } = new() { CommonOffsetAcrossRayMillimetres = 30, CommonOffsetAlongRayMillimetres = 150 };

    public static MonocularKeypointErrors Realistic { get; } = CommonOffsetOnly with
    {
        PointSigma3dMillimetres = 20,
        PointSigma2dPixels = 3,
        OutlierFraction = 0.05,
        MissingFrameFraction = 0.03,
        OccludeFarSide = true,
        SwapRunFrames = [1, 5, 15],
    };

    public static MonocularKeypointErrors RealisticHipCentred { get; } = Realistic with { Frame = Keypoint3dFrame.HipCentred };

    public static MonocularKeypointErrors For(MonocularPreset preset) => preset switch
    {
        MonocularPreset.NoiseFree => NoiseFree,
        MonocularPreset.CommonOffsetOnly => CommonOffsetOnly,
        MonocularPreset.Realistic => Realistic,
        MonocularPreset.RealisticHipCentred => RealisticHipCentred,
        _ => throw new ArgumentOutOfRangeException(nameof(preset)),
    };

    /// <summary>What the camera's pose estimator reports for the clip, with these errors drawn from <paramref name="seed"/>.</summary>
    public MonocularRecording Record(MonocularMotionClip clip, VirtualPhoneCamera camera, int seed, string source)
    {
        var random = new Random(seed);
        int frames = clip.FrameCount, joints = clip.KeypointNames.Length;
        var k3 = new double[frames * joints * 3];
        var k2 = new double[frames * joints * 2];
        var confidences = new double[frames * joints];
        bool hasHips = clip.Model.BodyNames.Contains("femur_r") && clip.Model.BodyNames.Contains("femur_l");
        for (int f = 0; f < frames; f++)
        {
            double[] hipCentre = [0, 0, 0];
            LimbSide farSide = LimbSide.None;
            if (hasHips)
            {
                var right = camera.ToCamera(clip.Body(f, "femur_r"));
                var left = camera.ToCamera(clip.Body(f, "femur_l"));
                hipCentre = [(right.X + left.X) / 2, (right.Y + left.Y) / 2, (right.Z + left.Z) / 2];
                double[] axis = Normalize([right.X - left.X, right.Y - left.Y, right.Z - left.Z]);
                double cosine = Dot(axis, Normalize(hipCentre));
                if (OccludeFarSide && Math.Abs(cosine) > FarSideCosine) farSide = cosine > 0 ? LimbSide.Right : LimbSide.Left;
            }
            // Ray to the subject and two directions across it.
            double[] ray = hasHips ? Normalize(hipCentre) : [0, 0, 1];
            double[] across1 = Normalize(Cross(ray, Math.Abs(ray[1]) < 0.9 ? [0, 1, 0] : [1, 0, 0]));
            double[] across2 = Cross(ray, across1);
            double along = Gaussian(random) * CommonOffsetAlongRayMillimetres;
            double a1 = Gaussian(random) * CommonOffsetAcrossRayMillimetres, a2 = Gaussian(random) * CommonOffsetAcrossRayMillimetres;
            double[] offset = Frame == Keypoint3dFrame.Camera
                ? [along * ray[0] + a1 * across1[0] + a2 * across2[0], along * ray[1] + a1 * across1[1] + a2 * across2[1], along * ray[2] + a1 * across1[2] + a2 * across2[2]]
                : [-1000 * hipCentre[0], -1000 * hipCentre[1], -1000 * hipCentre[2]];

            for (int j = 0; j < joints; j++)
            {
                (double x, double y, double z) = camera.ToCamera(clip.Keypoint(f, j));
                (double u, double v) = camera.Intrinsics.Project(x, y, z);
                bool occluded = clip.KeypointSides[j] != LimbSide.None && clip.KeypointSides[j] == farSide;
                double factor = occluded ? OccludedErrorFactor : 1;
                int o3 = (f * joints + j) * 3, o2 = (f * joints + j) * 2;
                k3[o3] = 1000 * x + offset[0] + factor * PointSigma3dMillimetres * Gaussian(random);
                k3[o3 + 1] = 1000 * y + offset[1] + factor * PointSigma3dMillimetres * Gaussian(random);
                k3[o3 + 2] = 1000 * z + offset[2] + factor * PointSigma3dMillimetres * Gaussian(random);
                k2[o2] = u + factor * PointSigma2dPixels * Gaussian(random);
                k2[o2 + 1] = v + factor * PointSigma2dPixels * Gaussian(random);
                confidences[f * joints + j] = occluded ? OccludedConfidence.Min + (OccludedConfidence.Max - OccludedConfidence.Min) * random.NextDouble() : 1;
                if (random.NextDouble() < OutlierFraction)
                {
                    double[] direction = Normalize([Gaussian(random), Gaussian(random), Gaussian(random)]);
                    double millimetres = Outlier3dMillimetres.Min + (Outlier3dMillimetres.Max - Outlier3dMillimetres.Min) * random.NextDouble();
                    for (int a = 0; a < 3; a++) k3[o3 + a] += millimetres * direction[a];
                    double angle = 2 * Math.PI * random.NextDouble();
                    double pixels = Outlier2dPixels.Min + (Outlier2dPixels.Max - Outlier2dPixels.Min) * random.NextDouble();
                    k2[o2] += pixels * Math.Cos(angle);
                    k2[o2 + 1] += pixels * Math.Sin(angle);
                }
            }
        }

        bool[] swapped = PlaceSwapRuns(frames, random);
        int[] partner = MirrorPartners(clip.KeypointNames);
        for (int f = 0; f < frames; f++)
            if (swapped[f]) ExchangeLabels(f, joints, partner, k3, k2, confidences);

        bool[] missing = new bool[frames];
        foreach (int f in Enumerable.Range(0, frames).OrderBy(_ => random.Next()).Take((int)Math.Round(MissingFrameFraction * frames)))
        {
            missing[f] = true;
            Array.Clear(k3, f * joints * 3, joints * 3);
            Array.Clear(k2, f * joints * 2, joints * 2);
            Array.Clear(confidences, f * joints, joints);
        }
        double[] timestamps = Enumerable.Range(0, frames).Select(f => f / clip.FramesPerSecond).ToArray();
        var sequence = new PoseSequence(source, clip.KeypointNames, timestamps, k3, k2, confidences, camera.Intrinsics)
        {
            Keypoints3dAreRootRelative = Frame == Keypoint3dFrame.HipCentred,
        };
        return new MonocularRecording(sequence, clip, camera, this, swapped, missing);
    }

    /// <summary>
    /// Left/right partner of each keypoint by MeTRAbs' rule (metrabs_tf/posepile.py; the mirror mapping of
    /// shared/data/metrabs_derived.json): a name starting with l/L pairs with the same name starting with r/R, if present.
    /// </summary>
    public static int[] MirrorPartners(IReadOnlyList<string> names) => names.Select((name, j) =>
    {
        char mirrored = name.Length < 2 ? '\0' : name[0] switch { 'l' => 'r', 'r' => 'l', 'L' => 'R', 'R' => 'L', _ => '\0' };
        int other = mirrored == '\0' ? -1 : names.ToList().IndexOf(mirrored + name[1..]);
        return other >= 0 ? other : j;
    }).ToArray();

    private bool[] PlaceSwapRuns(int frames, Random random)
    {
        var swapped = new bool[frames];
        foreach (int length in SwapRunFrames)
        {
            // Away from the clip's ends (a fitter can only tell a swap from its neighbours) and from the other runs.
            for (int attempt = 0; ; attempt++)
            {
                if (attempt == 1000) throw new InvalidOperationException($"No room for a swap run of {length} frames in {frames} frames.");
                int start = 2 + random.Next(frames - length - 4);
                if (Enumerable.Range(start - 2, length + 4).Any(f => swapped[f])) continue;
                for (int f = start; f < start + length; f++) swapped[f] = true;
                break;
            }
        }
        return swapped;
    }

    private static void ExchangeLabels(int frame, int joints, int[] partner, double[] k3, double[] k2, double[] confidences)
    {
        for (int j = 0; j < joints; j++)
        {
            int m = partner[j];
            if (m <= j) continue;
            for (int a = 0; a < 3; a++) (k3[(frame * joints + j) * 3 + a], k3[(frame * joints + m) * 3 + a]) = (k3[(frame * joints + m) * 3 + a], k3[(frame * joints + j) * 3 + a]);
            for (int a = 0; a < 2; a++) (k2[(frame * joints + j) * 2 + a], k2[(frame * joints + m) * 2 + a]) = (k2[(frame * joints + m) * 2 + a], k2[(frame * joints + j) * 2 + a]);
            (confidences[frame * joints + j], confidences[frame * joints + m]) = (confidences[frame * joints + m], confidences[frame * joints + j]);
        }
    }
}

/// <summary>A bench clip as a camera's pose estimator reports it, with everything needed to judge a fit of it.</summary>
/// <param name="SwappedFrames">Per frame: left/right labels exchanged.</param>
/// <param name="MissingFrames">Per frame: no detection (zeros, confidence 0).</param>
internal sealed record MonocularRecording(PoseSequence Keypoints, MonocularMotionClip Truth, VirtualPhoneCamera Camera, MonocularKeypointErrors Errors,
    bool[] SwappedFrames, bool[] MissingFrames);
