namespace MonoBiomech.Engine.Fitting;

using MonoBiomech.Engine.BodyModels;

/// <summary>
/// Observations the robust fit shows to be outliers, for the last stage to leave out. The Huber loss bounds an outlier's
/// pull but keeps it (at the 10 cm threshold a 30 cm outlier pulls as hard as a 10 cm error), and on a short segment
/// (the foot) one outlier frame bends the joint by several degrees; an observation far beyond its keypoint's own typical
/// error at the fitted state, and beyond the Huber threshold (errors below it are inliers by the loss's own measure, so
/// clean keypoints whose errors are all small lose nothing), is dropped instead (redescending, as Tukey's biweight is).
/// </summary>
internal static class OutlierRejection
{
    /// <summary>
    /// An observation whose error is above this multiple of its keypoint's median error is an outlier: for Gaussian
    /// errors 3 medians is the 99.8th percentile in 2D and the 99.99th in 3D.
    /// </summary>
    public const double MedianErrorsToReject = 3;

    /// <summary>Fewer observations than this keep all of a keypoint's observations.</summary>
    private const int MinimumObservations = 10;

    /// <summary>
    /// Median of a χ² variable with 3 and with 2 degrees of freedom: the median squared error of a 3D (2D) point whose
    /// coordinates have independent errors of variance σ² is this multiple of σ².
    /// </summary>
    private const double MedianChiSquare3 = 2.3660, MedianChiSquare2 = 1.3863;

    /// <summary>
    /// One video's residuals at the fitted state: which observations are outliers, and the white error per coordinate
    /// of the others (robustly, from their median squared error), for the last stage.
    /// </summary>
    /// <param name="huberThresholdMetres">The 3D goal's Huber threshold: no smaller 3D error is an outlier.</param>
    /// <param name="huberThresholdPixels">The 2D goal's Huber threshold: no smaller 2D error is an outlier.</param>
    public static ResidualAnalysis Find(BodyModel model, VideoFitProblem problem, VideoFitState video, SubjectFitState subject,
        double huberThresholdMetres, double huberThresholdPixels)
    {
        int n = model.CoordinateCount, keypoints = problem.KeypointCount, frames = problem.FrameCount;
        var ws = new KinematicsWorkspace(model);
        var shapeErrors = new double[frames * keypoints];        // [frame, keypoint] squared 3D error, m²; NaN unobserved
        var reprojectionErrors = new double[frames * keypoints]; // [frame, keypoint] squared 2D error, px²; NaN unobserved
        Array.Fill(shapeErrors, double.NaN);
        Array.Fill(reprojectionErrors, double.NaN);
        for (int t = 0; t < frames; t++)
        {
            Kinematics.Forward(model, video.Coordinates.AsSpan(t * n, n), subject.ScaleIncrements, subject.SiteOffsetsMetres, ws);
            for (int k = 0; k < keypoints; k++)
            {
                int site = problem.Binding.SiteOfKeypoint[k], i = t * keypoints + k;
                if (site < 0) continue;
                (double px, double py, double pz) = problem.SiteInCamera(ws.SitePositionsMetres, site);
                if (problem.Weight3d[i] > 0)
                {
                    double dx = px + video.KeypointOffsetsMetres[t * 3] - problem.Observed3dMetres[i * 3];
                    double dy = py + video.KeypointOffsetsMetres[t * 3 + 1] - problem.Observed3dMetres[i * 3 + 1];
                    double dz = pz + video.KeypointOffsetsMetres[t * 3 + 2] - problem.Observed3dMetres[i * 3 + 2];
                    shapeErrors[i] = dx * dx + dy * dy + dz * dz;
                }
                if (problem.Weight2d[i] > 0 && pz > CameraProjection.MinimumDepthMetres)
                {
                    (double u, double v) = problem.Camera.Project(px, py, pz);
                    double du = u - problem.Observed2dPixels[i * 2], dv = v - problem.Observed2dPixels[i * 2 + 1];
                    reprojectionErrors[i] = du * du + dv * dv;
                }
            }
        }
        double[] shape = Factors(shapeErrors, frames, keypoints, huberThresholdMetres);
        double[] reprojection = Factors(reprojectionErrors, frames, keypoints, huberThresholdPixels);
        return new ResidualAnalysis(shape, reprojection,
            InlierVariance(shapeErrors, shape, MedianChiSquare3) ?? problem.NoiseVarianceSquareMetres,
            InlierVariance(reprojectionErrors, reprojection, MedianChiSquare2) ?? problem.ReprojectionNoiseVarianceSquarePixels);
    }

    /// <summary>σ² per coordinate from the kept observations' squared errors: median / median of χ²; null with too few.</summary>
    private static double? InlierVariance(double[] squareErrors, double[] factors, double medianChiSquare)
    {
        var kept = new List<double>();
        for (int i = 0; i < squareErrors.Length; i++)
            if (!double.IsNaN(squareErrors[i]) && factors[i] > 0) kept.Add(squareErrors[i]);
        if (kept.Count < MinimumObservations) return null;
        return FitInitialisation.Median(kept) / medianChiSquare;
    }

    private static double[] Factors(double[] squareErrors, int frames, int keypoints, double huberThreshold)
    {
        var factors = new double[squareErrors.Length];
        Array.Fill(factors, 1.0);
        var observed = new List<double>();
        for (int k = 0; k < keypoints; k++)
        {
            observed.Clear();
            for (int t = 0; t < frames; t++)
                if (!double.IsNaN(squareErrors[t * keypoints + k])) observed.Add(squareErrors[t * keypoints + k]);
            if (observed.Count < MinimumObservations) continue;
            double limit = Math.Max(MedianErrorsToReject * MedianErrorsToReject * FitInitialisation.Median(observed), huberThreshold * huberThreshold);
            for (int t = 0; t < frames; t++)
                if (squareErrors[t * keypoints + k] > limit) factors[t * keypoints + k] = 0;
        }
        return factors;
    }
}

/// <summary>What the robust fit's residuals say of one video's keypoints, for the last stage.</summary>
/// <param name="ShapeWeightFactors">[frame, keypoint] factor on the 3D observation weights: 1 kept, 0 outlier.</param>
/// <param name="ReprojectionWeightFactors">[frame, keypoint] factor on the 2D observation weights: 1 kept, 0 outlier.</param>
/// <param name="NoiseVarianceSquareMetres">Variance of a kept 3D keypoint coordinate's error about the fitted model, m².</param>
/// <param name="ReprojectionNoiseVarianceSquarePixels">Variance of a kept 2D keypoint coordinate's error about the fitted model, px².</param>
internal sealed record ResidualAnalysis(double[] ShapeWeightFactors, double[] ReprojectionWeightFactors,
    double NoiseVarianceSquareMetres, double ReprojectionNoiseVarianceSquarePixels);
