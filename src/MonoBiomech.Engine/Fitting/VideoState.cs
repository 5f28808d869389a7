using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Pose;

namespace MonoBiomech.Engine.Fitting;

/// <summary>
/// The mutable fit state of one video: cleaned observations, the camera-to-world chart, per-frame unknowns
/// (40 coordinates + a 3D translation nuisance τ) and the per-frame blocks of the normal equations.
/// </summary>
internal sealed class VideoState
{
    public VideoState(BodyModel model, PoseSequence sequence, int scaleGroups)
    {
        Source = sequence.Source;
        Sequence = sequence;
        Camera = sequence.Camera;
        FrameCount = sequence.FrameCount;
        JointCount = sequence.JointCount;
        Timestamps = (double[])sequence.TimestampsSeconds.Clone();
        int n = model.CoordinateCount, t = FrameCount, j = JointCount;
        SiteOfKeypoint = sequence.JointNames.Select(model.FindSite).ToArray();
        Observed3dMetres = new double[t * j * 3];
        Observed2dPixels = (double[])sequence.Keypoints2dPixels.Clone();
        Confidence = (double[])sequence.Confidences.Clone();
        for (int i = 0; i < Observed3dMetres.Length; i++) Observed3dMetres[i] = sequence.Keypoints3dMillimetres[i] / 1000.0;
        Coordinates = new double[t * n];
        Translation = new double[t * 3];
        Hqq = new double[t * n * n];
        Hqt = new double[t * n * 3];
        Htt = new double[t * 9];
        Hqb = new double[t * n * scaleGroups];
        Htb = new double[t * 3 * scaleGroups];
        Gq = new double[t * n];
        Gt = new double[t * 3];
        Fixed = new bool[t * n];
        ReducedGq = new double[t * n];
        ReducedHqb = new double[t * n * scaleGroups];
        InverseTtt = new double[t * 9];
        SchurColumns = Enumerable.Range(0, scaleGroups).Select(_ => new double[t * n]).ToArray();
        Step = new double[t * n];
        SavedCoordinates = new double[t * n];
        SavedTranslation = new double[t * 3];
    }

    public string Source { get; }
    public PoseSequence Sequence { get; }
    public CameraIntrinsics Camera { get; }
    public int FrameCount { get; }
    public int JointCount { get; }
    public double[] Timestamps { get; }

    /// <summary>[keypoint] model site index, −1 when the model has no such site (ignored).</summary>
    public int[] SiteOfKeypoint { get; }

    /// <summary>[t, j, xyz] camera frame, metres (absolute; the fit only uses them up to the per-frame τ).</summary>
    public double[] Observed3dMetres { get; }
    public double[] Observed2dPixels { get; }

    /// <summary>[t, j] in 0..1 after cleaning (0: no information).</summary>
    public double[] Confidence { get; }

    /// <summary>Row-major R with x_camera = R·x_world.</summary>
    public double[] WorldToCamera { get; } = new double[9];

    /// <summary>[t, coordinate] current estimate.</summary>
    public double[] Coordinates { get; }

    /// <summary>[t, xyz] camera-frame metres: the per-frame offset between MeTRAbs' absolute 3D and the model (upstream centres per frame instead).</summary>
    public double[] Translation { get; }

    /// <summary>1 / Σ confidence: upstream's normalisation of the data terms.</summary>
    public double InverseConfidenceSum { get; set; }

    /// <summary>Variance of the white noise on one 3D keypoint coordinate, cm² (see <see cref="KeypointCleaning.EstimateNoiseVariance"/>).</summary>
    public double NoiseVarianceSquareCentimetres { get; set; } = 1;

    /// <summary>Number of frames whose left/right labels were swapped back during cleaning.</summary>
    public int SwappedFrames { get; set; }

    // Normal-equation blocks per frame (Gauss-Newton with IRLS weights): q = coordinates, t = τ, b = β.
    public double[] Hqq { get; }
    public double[] Hqt { get; }
    public double[] Htt { get; }
    public double[] Hqb { get; }
    public double[] Htb { get; }
    public double[] Gq { get; }
    public double[] Gt { get; }

    /// <summary>[t, coordinate] held fixed in the current step (frozen by the stage, or at a bound with the gradient pointing out).</summary>
    public bool[] Fixed { get; }

    public BlockBandedCholesky? Banded { get; set; }

    // Solve buffers, reused across iterations (a long video's are tens of MB; reallocating them each step costs GC time).
    public double[] ReducedGq { get; }
    public double[] ReducedHqb { get; }
    public double[] InverseTtt { get; }
    public double[][] SchurColumns { get; }
    public double[] Step { get; }
    public double[] SavedCoordinates { get; }
    public double[] SavedTranslation { get; }

    /// <summary>A model site (world-frame positions from the kinematics) in this video's camera frame, metres.</summary>
    public (double X, double Y, double Z) SiteInCamera(double[] sitesWorld, int site)
    {
        double[] r = WorldToCamera;
        double x = sitesWorld[site * 3], y = sitesWorld[site * 3 + 1], z = sitesWorld[site * 3 + 2];
        return (r[0] * x + r[1] * y + r[2] * z, r[3] * x + r[4] * y + r[5] * z, r[6] * x + r[7] * y + r[8] * z);
    }
}
