using System.Runtime.CompilerServices;
namespace MonoBiomech.Engine.Fitting.Goals;

/// <summary>
/// The shape of the 3D keypoints: each observed keypoint against its model site in the camera frame, up to the frame's
/// common offset τ (monocular 3D is good in shape, poor in absolute depth). Huber loss on the norm of each point's error
/// (upstream's loss); residuals are measured in units of <see cref="ReferenceErrorMetres"/>. Given a robust fit's
/// residuals, its outliers are left out (<see cref="OutlierRejection"/>).
/// </summary>
/// <param name="residuals">Per video, what an earlier robust fit's residuals showed; null: every observation counts.</param>
internal sealed class Keypoint3dShapeGoal(double huberThresholdMetres, IReadOnlyDictionary<VideoFitProblem, ResidualAnalysis>? residuals = null) : FitGoal
{
    /// <summary>The length that costs one unit: upstream's loss takes 3D errors in centimetres.</summary>
    public const double ReferenceErrorMetres = 0.01;

    private readonly double huberThreshold = huberThresholdMetres / ReferenceErrorMetres;

    /// <summary>This goal without the outliers of <paramref name="robustFitResiduals"/>.</summary>
    public Keypoint3dShapeGoal WithResiduals(IReadOnlyDictionary<VideoFitProblem, ResidualAnalysis> robustFitResiduals) => new(huberThresholdMetres, robustFitResiduals);

    public override string Name => "3D keypoint shape";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double AddFrameTerms(FrameEvaluation frame)
    {
        VideoFitProblem problem = frame.Problem;
        int t = frame.Frame, keypoints = problem.KeypointCount;
        double[]? factors = residuals?[problem].ShapeWeightFactors;
        double[] tau = frame.State.KeypointOffsetsMetres;
        double tx = tau[t * 3], ty = tau[t * 3 + 1], tz = tau[t * 3 + 2];
        Span<double> residual = stackalloc double[3];
        const double inverseSquareReference = 1 / (ReferenceErrorMetres * ReferenceErrorMetres);
        double cost = 0;
        for (int k = 0; k < keypoints; k++)
        {
            double weight = problem.Weight3d[t * keypoints + k] * (factors?[t * keypoints + k] ?? 1);
            int site = problem.Binding.SiteOfKeypoint[k];
            if (weight <= 0 || site < 0) continue;
            (double px, double py, double pz) = frame.SiteInCamera(site);
            int o = (t * keypoints + k) * 3;
            // In metres for the normal equations, in reference units (÷ 1 cm) for the loss.
            residual[0] = px + tx - problem.Observed3dMetres[o];
            residual[1] = py + ty - problem.Observed3dMetres[o + 1];
            residual[2] = pz + tz - problem.Observed3dMetres[o + 2];
            double norm = Math.Sqrt(residual[0] * residual[0] + residual[1] * residual[1] + residual[2] * residual[2]) / ReferenceErrorMetres;
            double scale = weight * problem.InverseWeightSum;
            cost += scale * Huber.Loss(norm, huberThreshold);
            if (frame.Build)
                frame.AddResidual(site, residual, 3, ReadOnlySpan<double>.Empty, scale * Huber.Weight(norm, huberThreshold) * inverseSquareReference,
                    includesKeypointOffset: true);
        }
        return cost;
    }
}

/// <summary>
/// Reprojection of the model sites through the camera onto the 2D keypoints, in pixels: where the absolute path comes
/// from. Huber loss on each point's pixel error, weighted relative to the 3D goal: by a fixed factor (upstream: 0.1), or,
/// without one, by the ratio of the video's estimated 3D and 2D noise variances, so each term counts as much as its
/// keypoints are precise (maximum likelihood; monocular 3D is often the noisier of the two).
/// Given a robust fit's residuals (<see cref="OutlierRejection"/>), its outliers are left out, the noise variances are
/// the residuals' (the errors about the fitted model, where the input's second differences only see the white part),
/// and each point's Huber threshold grows where its weight says it is less certain (an occluded point's errors are
/// larger: at a fixed threshold they were all "outliers" and lost their pull, while the far-side ankle needs it).
/// </summary>
/// <param name="residuals">Per video, what an earlier robust fit's residuals showed; null: every observation counts.</param>
internal sealed class ReprojectionGoal(double? fixedRelativeWeight, double huberThresholdPixels, IReadOnlyDictionary<VideoFitProblem, ResidualAnalysis>? residuals = null) : FitGoal
{
    /// <summary>With residuals: a point's Huber threshold is at least this many of its own σ (σ₂ / √weight).</summary>
    private const double HuberThresholdInNoiseSigmas = 2;

    public override string Name => "2D reprojection";

    /// <summary>This goal with the outliers, noise variances and per-point thresholds of <paramref name="robustFitResiduals"/>.</summary>
    public ReprojectionGoal WithResiduals(IReadOnlyDictionary<VideoFitProblem, ResidualAnalysis> robustFitResiduals) => new(fixedRelativeWeight, huberThresholdPixels, robustFitResiduals);

    /// <summary>The relative weight of the 2D goal in a video: (σ₃ / reference)² / σ₂² (the residuals' when given), or the fixed factor.</summary>
    private double RelativeWeight(VideoFitProblem problem, ResidualAnalysis? analysis)
    {
        if (fixedRelativeWeight is { } weight) return weight;
        (double variance3d, double variance2d) = analysis is not null
            ? (analysis.NoiseVarianceSquareMetres, analysis.ReprojectionNoiseVarianceSquarePixels)
            : (problem.NoiseVarianceSquareMetres, problem.ReprojectionNoiseVarianceSquarePixels);
        return variance3d / (Keypoint3dShapeGoal.ReferenceErrorMetres * Keypoint3dShapeGoal.ReferenceErrorMetres) / variance2d;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double AddFrameTerms(FrameEvaluation frame)
    {
        VideoFitProblem problem = frame.Problem;
        ResidualAnalysis? analysis = residuals?[problem];
        double relativeWeight = RelativeWeight(problem, analysis);
        int t = frame.Frame, keypoints = problem.KeypointCount;
        double[]? factors = analysis?.ReprojectionWeightFactors;
        double thresholdSigmas = analysis is null ? 0 : HuberThresholdInNoiseSigmas * Math.Sqrt(analysis.ReprojectionNoiseVarianceSquarePixels);
        Span<double> residual = stackalloc double[2];
        Span<double> pointJacobian = stackalloc double[6];
        double cost = 0;
        for (int k = 0; k < keypoints; k++)
        {
            double weight = problem.Weight2d[t * keypoints + k] * (factors?[t * keypoints + k] ?? 1);
            int site = problem.Binding.SiteOfKeypoint[k];
            if (weight <= 0 || site < 0) continue;
            (double px, double py, double pz) = frame.SiteInCamera(site);
            if (pz <= CameraProjection.MinimumDepthMetres) continue;
            (double u, double v) = CameraProjection.Project(problem.Camera, px, py, pz, pointJacobian);
            int o = (t * keypoints + k) * 2;
            residual[0] = u - problem.Observed2dPixels[o];
            residual[1] = v - problem.Observed2dPixels[o + 1];
            double norm = Math.Sqrt(residual[0] * residual[0] + residual[1] * residual[1]);
            double scale = relativeWeight * weight * problem.InverseWeightSum;
            double threshold = analysis is null ? huberThresholdPixels : Math.Max(huberThresholdPixels, thresholdSigmas / Math.Sqrt(weight));
            cost += scale * Huber.Loss(norm, threshold);
            if (frame.Build) frame.AddResidual(site, residual, 2, pointJacobian, scale * Huber.Weight(norm, threshold), includesKeypointOffset: false);
        }
        return cost;
    }
}

/// <summary>
/// A weak pull of τ towards 0 that keeps each frame's 3x3 τ block invertible where a frame has no 3D keypoints:
/// a 1 m offset costs as much as a 1 cm error of one keypoint, so it never competes with the data.
/// </summary>
internal sealed class KeypointOffsetPriorGoal : FitGoal
{
    private const double WeightPerSquareReferenceError = 1e-4;

    public override string Name => "keypoint offset prior";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double AddFrameTerms(FrameEvaluation frame)
    {
        int t = frame.Frame;
        double[] tau = frame.State.KeypointOffsetsMetres;
        double weight = WeightPerSquareReferenceError * frame.Problem.InverseWeightSum
            / (Keypoint3dShapeGoal.ReferenceErrorMetres * Keypoint3dShapeGoal.ReferenceErrorMetres);
        double cost = 0;
        for (int a = 0; a < 3; a++)
        {
            double value = tau[t * 3 + a];
            cost += 0.5 * weight * value * value;
            if (frame.Equations is { } eq)
            {
                eq.OffsetOffset[t * 9 + a * 4] += weight;
                eq.OffsetGradient[t * 3 + a] += weight * value;
            }
        }
        return cost;
    }
}
