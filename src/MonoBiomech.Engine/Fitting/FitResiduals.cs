namespace MonoBiomech.Engine.Fitting;

using MonoBiomech.Engine.BodyModels;

/// <summary>
/// How far the fitted model is from each keypoint (OpenSim IK's marker errors): per keypoint and overall, weighted by
/// the observation weights. 3D errors are measured after the frame's offset τ (the shape error), in millimetres.
/// </summary>
/// <param name="Mean3dErrorMillimetres">Weighted mean over all 3D observations; NaN without any.</param>
/// <param name="Mean2dErrorPixels">Weighted mean over all 2D observations in front of the camera; NaN without any.</param>
/// <param name="Keypoint3dErrorMillimetres">[keypoint] weighted mean 3D error; NaN for keypoints never observed or not on the model.</param>
/// <param name="Keypoint2dErrorPixels">[keypoint] weighted mean 2D error; NaN likewise.</param>
internal sealed record FitResiduals(double Mean3dErrorMillimetres, double Mean2dErrorPixels, double[] Keypoint3dErrorMillimetres, double[] Keypoint2dErrorPixels)
{
    private const double MillimetresPerMetre = 1000;

    public static FitResiduals Measure(BodyModel model, VideoFitProblem problem, VideoFitState video, SubjectFitState subject)
    {
        int n = model.CoordinateCount, keypoints = problem.KeypointCount;
        var ws = new KinematicsWorkspace(model);
        var sum3 = new double[keypoints]; var weight3 = new double[keypoints];
        var sum2 = new double[keypoints]; var weight2 = new double[keypoints];
        for (int t = 0; t < problem.FrameCount; t++)
        {
            Kinematics.Forward(model, video.Coordinates.AsSpan(t * n, n), subject.ScaleIncrements, subject.SiteOffsetsMetres, ws);
            for (int k = 0; k < keypoints; k++)
            {
                int site = problem.Binding.SiteOfKeypoint[k];
                if (site < 0) continue;
                (double px, double py, double pz) = problem.SiteInCamera(ws.SitePositionsMetres, site);
                double w3 = problem.Weight3d[t * keypoints + k], w2 = problem.Weight2d[t * keypoints + k];
                if (w3 > 0)
                {
                    int o = (t * keypoints + k) * 3;
                    double dx = px + video.KeypointOffsetsMetres[t * 3] - problem.Observed3dMetres[o];
                    double dy = py + video.KeypointOffsetsMetres[t * 3 + 1] - problem.Observed3dMetres[o + 1];
                    double dz = pz + video.KeypointOffsetsMetres[t * 3 + 2] - problem.Observed3dMetres[o + 2];
                    sum3[k] += w3 * MillimetresPerMetre * Math.Sqrt(dx * dx + dy * dy + dz * dz);
                    weight3[k] += w3;
                }
                if (w2 > 0 && pz > CameraProjection.MinimumDepthMetres)
                {
                    (double u, double v) = problem.Camera.Project(px, py, pz);
                    int o = (t * keypoints + k) * 2;
                    sum2[k] += w2 * Math.Sqrt(Math.Pow(u - problem.Observed2dPixels[o], 2) + Math.Pow(v - problem.Observed2dPixels[o + 1], 2));
                    weight2[k] += w2;
                }
            }
        }
        static double Ratio(double sum, double weight) => weight > 0 ? sum / weight : double.NaN;
        return new FitResiduals(Ratio(sum3.Sum(), weight3.Sum()), Ratio(sum2.Sum(), weight2.Sum()),
            sum3.Select((s, k) => Ratio(s, weight3[k])).ToArray(), sum2.Select((s, k) => Ratio(s, weight2[k])).ToArray());
    }
}
