using MonoBiomech.Engine.Fitting;
using MonoBiomech.Engine.Fitting.Solver;
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
        var loaded = FitTestData.Load(modelName);
        var scales = SyntheticMotion.RandomScales(loaded, new Random(9));
        var synthetic = SyntheticMotion.Generate(loaded, SyntheticMotionKind.Walking, 12, 30, scales, SyntheticNoise.Realistic with { MissingFrameFraction = 0 }, 9);
        using var fixture = new FitFixture(loaded, synthetic.Keypoints);
        var model = fixture.Model;
        SubjectFitState state = fixture.State;
        new LevenbergMarquardt(fixture.Objective, new SchurBandedSolver(model, new[] { fixture.Problem }, fixture.Parallel),
            new LevenbergMarquardtOptions(1e-6)).Run(fixture.Stages[0] with { MaxIterations = 3 }, state, null, CancellationToken.None);

        // A general point: β and Δ non-zero, some joints away from the fitted pose.
        var random = new Random(4);
        for (int g = 0; g < state.ScaleIncrements.Length; g++) state.ScaleIncrements[g] = 0.04 * (random.NextDouble() - 0.5);
        for (int i = 0; i < state.SiteOffsetsMetres.Length; i++) state.SiteOffsetsMetres[i] = 0.01 * (random.NextDouble() - 0.5);
        FitStage stage = fixture.Stages[1];
        fixture.Objective.Evaluate(stage, state, FitEquations.All);
        VideoNormalEquations video = fixture.Objective.VideoEquations[0];
        double[] gq = (double[])video.CoordinateGradient.Clone(), gt = (double[])video.OffsetGradient.Clone();
        double[] gb = (double[])fixture.Objective.SubjectEquations.ScaleGradient.Clone();
        double[] gd = (double[])fixture.Objective.SubjectEquations.SiteOffsetGradient.Clone();

        double Central(double[] values, int index, double step)
        {
            double saved = values[index];
            values[index] = saved + step;
            double plus = fixture.Objective.Evaluate(stage, state, FitEquations.None);
            values[index] = saved - step;
            double minus = fixture.Objective.Evaluate(stage, state, FitEquations.None);
            values[index] = saved;
            return (plus - minus) / (2 * step);
        }

        int n = model.CoordinateCount;
        double scale = gq.Select(Math.Abs).Max();
        VideoFitState trajectory = state.Videos[0];
        foreach (int t in new[] { 0, 5, 11 })
            for (int d = 0; d < n; d++)
            {
                double numeric = Central(trajectory.Coordinates, t * n + d, 1e-6);
                Assert.True(Math.Abs(numeric - gq[t * n + d]) < 1e-6 * scale + 1e-7, $"q[{t},{model.Coordinates[d].Name}]: analytic {gq[t * n + d]}, numeric {numeric}");
            }
        for (int i = 0; i < 6; i++)
        {
            double numeric = Central(trajectory.KeypointOffsetsMetres, 3 + i, 1e-7);
            Assert.True(Math.Abs(numeric - gt[3 + i]) < 1e-6 * Math.Max(1, Math.Abs(numeric)), $"tau {i}: analytic {gt[3 + i]}, numeric {numeric}");
        }
        for (int g = 0; g < gb.Length; g++)
        {
            double numeric = Central(state.ScaleIncrements, g, 1e-7);
            Assert.True(Math.Abs(numeric - gb[g]) < 1e-6 * Math.Max(1, Math.Abs(numeric)), $"beta {g}: analytic {gb[g]}, numeric {numeric}");
        }
        foreach (int i in new[] { 0, 1, 2, 100, 200, 260 })
        {
            double numeric = Central(state.SiteOffsetsMetres, i, 1e-7);
            Assert.True(Math.Abs(numeric - gd[i]) < 1e-6 * Math.Max(1, Math.Abs(numeric)), $"delta {i}: analytic {gd[i]}, numeric {numeric}");
        }
    }
}
