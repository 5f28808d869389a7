using System.Runtime.CompilerServices;
using MonoBiomech.Fitting;
using MonoBiomech.Pose;

namespace MonoBiomech.Engine.Fitting;

using MonoBiomech.Engine.BodyModels;

/// <summary>
/// How the keypoints of a sequence attach to the body model (OpenSim's MarkerSet with its IK task weights): for each
/// keypoint the model site it observes, its left/right mirror partner and its default weight.
/// </summary>
/// <param name="SiteOfKeypoint">[keypoint] model site index, −1 when the model has no point for it (ignored by the fit).</param>
/// <param name="MirrorOfKeypoint">[keypoint] the mirror partner's keypoint index, or the keypoint itself (midline points, or no pairs known).</param>
/// <param name="WeightOfKeypoint">[keypoint] default weight (≥ 0), multiplied with each observation's confidence.</param>
internal sealed record KeypointBinding(int[] SiteOfKeypoint, int[] MirrorOfKeypoint, double[] WeightOfKeypoint)
{
    public int KeypointCount => SiteOfKeypoint.Length;

    public int MatchedCount => SiteOfKeypoint.Count(s => s >= 0);

    /// <summary>Σ of the default weights of the keypoints the model has: "one frame's worth" of observations.</summary>
    public double MatchedWeight => Enumerable.Range(0, KeypointCount).Where(k => SiteOfKeypoint[k] >= 0).Sum(k => WeightOfKeypoint[k]);

    public bool HasMirrorPairs => Enumerable.Range(0, KeypointCount).Any(k => MirrorOfKeypoint[k] != k);

    /// <summary>
    /// Keypoints observe the model's sites of the same name (a model already given the set's placement with
    /// <see cref="BodyModel.WithKeypointSet"/>); mirror pairs and default weights come from the keypoint set. Without a set
    /// every weight is 1 and no pairs are known (left/right swaps are then not corrected).
    /// </summary>
    public static KeypointBinding Create(BodyModel model, IReadOnlyList<string> names, KeypointSet? set)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < names.Count; k++) index.TryAdd(names[k], k);
        var mirror = new int[names.Count];
        var weight = new double[names.Count];
        for (int k = 0; k < names.Count; k++)
        {
            mirror[k] = k;
            weight[k] = 1;
            int i = set?.IndexOf(names[k]) ?? -1;
            if (i < 0) continue;
            weight[k] = set!.Keypoints[i].DefaultWeight;
            if (index.TryGetValue(set.Names[set.MirrorOf(i)], out int partner)) mirror[k] = partner;
        }
        return new KeypointBinding(names.Select(model.FindSite).ToArray(), mirror, weight);
    }
}

/// <summary>
/// The observations of one video after cleaning, still mutable: left/right relabelling works on them before the
/// immutable <see cref="VideoFitProblem"/> is made. Length unit: metres.
/// </summary>
internal sealed class KeypointObservations
{
    public KeypointObservations(PoseSequence sequence, KeypointBinding binding, string? keypointSetName)
    {
        Source = sequence.Source;
        KeypointNames = sequence.JointNames.ToArray();
        KeypointSetName = keypointSetName;
        Binding = binding;
        FrameCount = sequence.FrameCount;
        KeypointCount = sequence.JointCount;
        TimestampsSeconds = sequence.TimestampsSeconds.ToArray();
        Camera = sequence.Camera;
        Keypoints3dAreRootRelative = sequence.Keypoints3dAreRootRelative;
        Observed3dMetres = new double[FrameCount * KeypointCount * 3];
        for (int i = 0; i < Observed3dMetres.Length; i++) Observed3dMetres[i] = sequence.Keypoints3dMillimetres[i] / MillimetresPerMetre;
        Observed2dPixels = sequence.Keypoints2dPixels.ToArray();
        Weight3d = new double[FrameCount * KeypointCount];
        Weight2d = new double[FrameCount * KeypointCount];
        for (int t = 0; t < FrameCount; t++)
            for (int k = 0; k < KeypointCount; k++)
            {
                double weight = binding.SiteOfKeypoint[k] >= 0 ? sequence.Confidences[t * KeypointCount + k] * binding.WeightOfKeypoint[k] : 0;
                Weight3d[t * KeypointCount + k] = Weight2d[t * KeypointCount + k] = weight;
            }
    }

    public const double MillimetresPerMetre = 1000;

    public string Source { get; }
    public IReadOnlyList<string> KeypointNames { get; }
    public string? KeypointSetName { get; }
    public KeypointBinding Binding { get; }
    public int FrameCount { get; }
    public int KeypointCount { get; }
    public double[] TimestampsSeconds { get; }
    public CameraIntrinsics Camera { get; }

    /// <summary>The 3D keypoints have no absolute position (hip-centred in the camera's axes).</summary>
    public bool Keypoints3dAreRootRelative { get; }

    /// <summary>[frame, keypoint, xyz] camera frame, metres (absolute or root-relative: only the shape of each frame is fitted).</summary>
    public double[] Observed3dMetres { get; }

    /// <summary>[frame, keypoint, uv] pixels of the original frame.</summary>
    public double[] Observed2dPixels { get; }

    /// <summary>[frame, keypoint] confidence × default weight of the 3D observation; 0 = not observed.</summary>
    public double[] Weight3d { get; }

    /// <summary>[frame, keypoint] confidence × default weight of the 2D observation; 0 = not observed.</summary>
    public double[] Weight2d { get; }

    public int SwappedFrames { get; set; }
}

/// <summary>
/// The fixed data of one video's fit (MuJoCo's mjModel to the solver's mjData): cleaned observations, their attachment
/// to the model, the camera and the gravity-aligned world chart, and the noise level the priors are scaled by.
/// Immutable once made; the unknowns live in <see cref="VideoFitState"/>.
/// </summary>
internal sealed class VideoFitProblem
{
    // Spans on the hot paths (an interface call per element costs several times the arithmetic); read-only to callers.
    private readonly double[] timestampsSeconds, observed3dMetres, observed2dPixels, weight3d, weight2d, worldToCamera;

    public VideoFitProblem(KeypointObservations observations, double[] worldToCamera, double noiseVarianceSquareMetres, double reprojectionNoiseVarianceSquarePixels)
    {
        Source = observations.Source;
        KeypointNames = observations.KeypointNames;
        KeypointSetName = observations.KeypointSetName;
        Binding = observations.Binding;
        FrameCount = observations.FrameCount;
        KeypointCount = observations.KeypointCount;
        timestampsSeconds = observations.TimestampsSeconds;
        Camera = observations.Camera;
        Keypoints3dAreRootRelative = observations.Keypoints3dAreRootRelative;
        observed3dMetres = observations.Observed3dMetres;
        observed2dPixels = observations.Observed2dPixels;
        weight3d = observations.Weight3d;
        weight2d = observations.Weight2d;
        SwappedFrames = observations.SwappedFrames;
        this.worldToCamera = worldToCamera;
        NoiseVarianceSquareMetres = noiseVarianceSquareMetres;
        ReprojectionNoiseVarianceSquarePixels = reprojectionNoiseVarianceSquarePixels;
        double total = 0;
        for (int i = 0; i < observations.Weight3d.Length; i++) total += Math.Max(observations.Weight3d[i], observations.Weight2d[i]);
        if (!(total > 0)) throw new FitInputException(Source, FitInputProblem.NoConfidentKeypoints, $"'{Source}' has no keypoint with confidence > 0 that the body model can fit.");
        InverseWeightSum = 1 / total;
    }

    public string Source { get; }

    /// <summary>[keypoint] the input's keypoint names.</summary>
    public IReadOnlyList<string> KeypointNames { get; }

    /// <summary>The keypoint set the names belong to, null when none is known.</summary>
    public string? KeypointSetName { get; }

    public KeypointBinding Binding { get; }
    public int FrameCount { get; }
    public int KeypointCount { get; }

    /// <summary>[frame] seconds from the start of the video.</summary>
    public ReadOnlySpan<double> TimestampsSeconds => timestampsSeconds;

    public CameraIntrinsics Camera { get; }

    /// <summary>The 3D keypoints have no absolute position: the initialisation places the body from the 2D keypoints.</summary>
    public bool Keypoints3dAreRootRelative { get; }

    /// <summary>[frame, keypoint, xyz] camera frame, metres; only each frame's shape is fitted (up to τ).</summary>
    public ReadOnlySpan<double> Observed3dMetres => observed3dMetres;

    /// <summary>[frame, keypoint, uv] pixels.</summary>
    public ReadOnlySpan<double> Observed2dPixels => observed2dPixels;

    /// <summary>[frame, keypoint] weight of the 3D observation (confidence × default weight); 0 = not observed.</summary>
    public ReadOnlySpan<double> Weight3d => weight3d;

    /// <summary>[frame, keypoint] weight of the 2D observation; 0 = not observed.</summary>
    public ReadOnlySpan<double> Weight2d => weight2d;

    /// <summary>Row-major 3x3 R with x_camera = R·x_world (world: z up, x along the camera's x on the floor).</summary>
    public ReadOnlySpan<double> WorldToCamera => worldToCamera;

    /// <summary>Variance of the white error on one 3D keypoint coordinate, m², estimated from the data; scales the motion prior.</summary>
    public double NoiseVarianceSquareMetres { get; }

    /// <summary>Variance of the white error on one 2D keypoint coordinate, px², estimated from the data; weighs 2D against 3D.</summary>
    public double ReprojectionNoiseVarianceSquarePixels { get; }

    /// <summary>1 / Σ of the observation weights: each video's data terms are normalised to a mean (upstream's normalisation).</summary>
    public double InverseWeightSum { get; }

    /// <summary>Frames whose left/right keypoint labels were found swapped and relabelled.</summary>
    public int SwappedFrames { get; }

    /// <summary>A model site (world-frame positions from the kinematics) in this video's camera frame, metres.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public (double X, double Y, double Z) SiteInCamera(double[] sitesWorld, int site)
    {
        ReadOnlySpan<double> r = worldToCamera;
        double x = sitesWorld[site * 3], y = sitesWorld[site * 3 + 1], z = sitesWorld[site * 3 + 2];
        return (r[0] * x + r[1] * y + r[2] * z, r[3] * x + r[4] * y + r[5] * z, r[6] * x + r[7] * y + r[8] * z);
    }
}
