using MonoBiomech.Engine.Fitting;
using MonoBiomech.Fitting;

namespace MonoBiomech.Engine.Tests.Fitting;

/// <summary>
/// The normal equations are built from analytic residual Jacobians (kinematics, camera rotation, projection, IRLS weights);
/// their gradient Jᵀ·W·e must equal central finite differences of the robust cost, including the Huber tails and the priors.
/// </summary>
public sealed class GradientTests
{
    [Theory]
    [FitModelData(FitTestData.Own)]
    [FitModelData(FitTestData.Upstream)]
    public void AnalyticGradientMatchesFiniteDifferencesOfTheCost(string modelName)
    {
        var model = FitTestData.Load(modelName);
        var scales = SyntheticMotion.RandomScales(model, new Random(9));
        var synthetic = SyntheticMotion.Generate(model, SyntheticMotionKind.Walking, 12, 30, scales, SyntheticNoise.Realistic with { MissingFrameFraction = 0 }, 9);
        var video = new VideoState(model, synthetic.Keypoints, model.ScaleGroupCount);
        KeypointCleaning.Clean(video);
        video.InverseConfidenceSum = 1 / video.Confidence.Sum();
        Initialisation.EstimateWorld(video, synthetic.Keypoints.JointNames);
        Initialisation.InitialiseRoot(model, video, CancellationToken.None);
        using var fit = new SubjectFit(model, new[] { video }, new BiomechFitSettings(), CancellationToken.None);
        Initialisation.InitialiseTranslation(model, new[] { video }, fit.Scales);
        fit.Run(new FitStage("pose", false, false, true, false, 3), null);

        // A general point: β and Δ non-zero, some joints away from the fitted pose.
        var random = new Random(4);
        for (int g = 0; g < fit.Scales.Length; g++) fit.Scales[g] = 0.04 * (random.NextDouble() - 0.5);
        for (int i = 0; i < fit.Offsets.Length; i++) fit.Offsets[i] = 0.01 * (random.NextDouble() - 0.5);
        var stage = new FitStage("all", Use2d: true, SolveScales: true, FreezeSlides: false, FitSiteOffsets: true, 1);
        fit.Evaluate(stage, build: true);
        double[] gq = (double[])video.Gq.Clone(), gt = (double[])video.Gt.Clone();
        double[] gb = fit.ScaleGradient.ToArray(), gd = fit.SiteOffsetDataGradient.ToArray();
        double priorOffsets = new BiomechFitSettings().SiteOffsetPriorWeight;

        double Central(double[] values, int index, double step)
        {
            double saved = values[index];
            values[index] = saved + step;
            double plus = fit.Evaluate(stage, build: false);
            values[index] = saved - step;
            double minus = fit.Evaluate(stage, build: false);
            values[index] = saved;
            return (plus - minus) / (2 * step);
        }

        int n = model.CoordinateCount;
        double scale = gq.Select(Math.Abs).Max();
        foreach (int t in new[] { 0, 5, 11 })
            for (int d = 0; d < n; d++)
            {
                double numeric = Central(video.Coordinates, t * n + d, 1e-6);
                Assert.True(Math.Abs(numeric - gq[t * n + d]) < 1e-6 * scale + 1e-7, $"q[{t},{model.Coordinates[d].Name}]: analytic {gq[t * n + d]}, numeric {numeric}");
            }
        for (int i = 0; i < 6; i++)
        {
            double numeric = Central(video.Translation, 3 + i, 1e-7);
            Assert.True(Math.Abs(numeric - gt[3 + i]) < 1e-6 * Math.Max(1, Math.Abs(numeric)), $"tau {i}: analytic {gt[3 + i]}, numeric {numeric}");
        }
        for (int g = 0; g < gb.Length; g++)
        {
            double numeric = Central(fit.Scales, g, 1e-7);
            Assert.True(Math.Abs(numeric - gb[g]) < 1e-6 * Math.Max(1, Math.Abs(numeric)), $"beta {g}: analytic {gb[g]}, numeric {numeric}");
        }
        foreach (int i in new[] { 0, 1, 2, 100, 200, 260 })
        {
            double numeric = Central(fit.Offsets, i, 1e-7);
            double analytic = gd[i] + 2 * priorOffsets * fit.Offsets[i];
            Assert.True(Math.Abs(numeric - analytic) < 1e-6 * Math.Max(1, Math.Abs(numeric)), $"delta {i}: analytic {analytic}, numeric {numeric}");
        }
    }
}
