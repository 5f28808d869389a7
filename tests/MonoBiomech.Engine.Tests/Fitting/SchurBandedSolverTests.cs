using MathNet.Numerics.LinearAlgebra;
using MonoBiomech.Engine.Fitting;
using MonoBiomech.Engine.Fitting.Goals;
using MonoBiomech.Engine.Fitting.Solver;

using CoordinateDefinition = MonoBiomech.Engine.BodyModels.CoordinateDefinition;

namespace MonoBiomech.Engine.Tests.Fitting;

/// <summary>
/// The structured solve (τ eliminated per frame, block-banded coordinates, β by Schur complement) must give the same
/// step as assembling the whole normal matrix densely from the same blocks and solving it with MathNet.
/// </summary>
public sealed class SchurBandedSolverTests
{
    [Theory]
    [FitModelData(FitTestData.Own, 0.0)]
    [FitModelData(FitTestData.Own, 0.1)]
    public void StepEqualsADenseSolveOfTheSameNormalEquations(string modelName, double damping)
    {
        var loaded = FitTestData.Load(modelName);
        var scales = SyntheticMotion.RandomScales(loaded, new Random(3));
        var synthetic = SyntheticMotion.Generate(loaded, SyntheticMotionKind.BandLimitedRandom, 7, 30, scales, SyntheticNoise.Realistic with { MissingFrameFraction = 0 }, 3);
        using var fixture = new FitFixture(loaded, synthetic.Keypoints);
        var model = fixture.Model;
        // Every coordinate strictly inside its limits, so no coordinate is held by the active set.
        int n = model.CoordinateCount, frames = fixture.Problem.FrameCount, groups = model.ScaleGroupCount;
        double[] q = fixture.State.Videos[0].Coordinates;
        for (int t = 0; t < frames; t++)
            for (int d = 0; d < n; d++)
            {
                CoordinateDefinition c = model.Coordinates[d];
                if (c.IsLimited) q[t * n + d] = Math.Clamp(q[t * n + d], c.LowerLimit + 0.05, c.UpperLimit - 0.05);
            }
        FitStage stage = fixture.Stages[1] with { Unknowns = FitUnknowns.Rotations | FitUnknowns.Translations | FitUnknowns.ScaleIncrements };
        fixture.Objective.Evaluate(stage, fixture.State, FitEquations.All);
        VideoNormalEquations eq = fixture.Objective.VideoEquations[0];
        SubjectNormalEquations subject = fixture.Objective.SubjectEquations;

        var step = new FitStep(new[] { fixture.Problem }, n, groups);
        var solver = new SchurBandedSolver(model, new[] { fixture.Problem }, fixture.Parallel);
        Assert.True(solver.TrySolve(stage, fixture.State, fixture.Objective.VideoEquations, subject, damping, step));

        // Dense: unknowns [q (frames·n), τ (frames·3), β (g)], the same damping rule as the solver.
        int qs = frames * n, ts = frames * 3, size = qs + ts + groups;
        var h = Matrix<double>.Build.Dense(size, size);
        var g = Vector<double>.Build.Dense(size);
        for (int t = 0; t < frames; t++)
        {
            for (int a = 0; a < n; a++)
            {
                g[t * n + a] = eq.CoordinateGradient[t * n + a];
                for (int b = 0; b < n; b++) h[t * n + a, t * n + b] = eq.CoordinateCoordinate[(t * n + a) * n + b];
                for (int c = 0; c < 3; c++) h[t * n + a, qs + t * 3 + c] = h[qs + t * 3 + c, t * n + a] = eq.CoordinateOffset[(t * n + a) * 3 + c];
                for (int s = 0; s < groups; s++) h[t * n + a, qs + ts + s] = h[qs + ts + s, t * n + a] = eq.CoordinateScale[(t * n + a) * groups + s];
                if (t >= 1) h[t * n + a, (t - 1) * n + a] = h[(t - 1) * n + a, t * n + a] = eq.CoordinateCoordinatePreviousFrame[t * n + a];
                if (t >= 2) h[t * n + a, (t - 2) * n + a] = h[(t - 2) * n + a, t * n + a] = eq.CoordinateCoordinateTwoFramesBack[t * n + a];
            }
            for (int a = 0; a < 3; a++)
            {
                g[qs + t * 3 + a] = eq.OffsetGradient[t * 3 + a];
                for (int b = 0; b < 3; b++) h[qs + t * 3 + a, qs + t * 3 + b] = eq.OffsetOffset[t * 9 + a * 3 + b];
                for (int s = 0; s < groups; s++) h[qs + t * 3 + a, qs + ts + s] = h[qs + ts + s, qs + t * 3 + a] = eq.OffsetScale[(t * 3 + a) * groups + s];
            }
        }
        for (int s = 0; s < groups; s++)
        {
            g[qs + ts + s] = subject.ScaleGradient[s];
            for (int u = 0; u < groups; u++) h[qs + ts + s, qs + ts + u] = subject.ScaleScale[s * groups + u];
        }
        double floor = 0;
        for (int i = 0; i < qs; i++) floor = Math.Max(floor, h[i, i]);
        floor = Math.Max(floor * 1e-9, 1e-12);
        for (int i = 0; i < qs; i++) h[i, i] += damping * Math.Max(h[i, i], floor) + floor;
        for (int i = qs; i < qs + ts; i++) h[i, i] *= 1 + damping;
        for (int i = qs + ts; i < size; i++) h[i, i] = h[i, i] * (1 + damping) + 1e-12;
        Vector<double> dense = h.Cholesky().Solve(-g);

        double scale = dense.AbsoluteMaximum();
        for (int i = 0; i < qs; i++) Assert.True(Math.Abs(step.Coordinates[0][i] - dense[i]) < 1e-7 * scale, $"dq[{i}]: {step.Coordinates[0][i]} vs dense {dense[i]}");
        for (int i = 0; i < ts; i++) Assert.True(Math.Abs(step.KeypointOffsets[0][i] - dense[qs + i]) < 1e-7 * scale, $"dtau[{i}]: {step.KeypointOffsets[0][i]} vs dense {dense[qs + i]}");
        for (int s = 0; s < groups; s++) Assert.True(Math.Abs(step.ScaleIncrements[s] - dense[qs + ts + s]) < 1e-7 * scale, $"dbeta[{s}]: {step.ScaleIncrements[s]} vs dense {dense[qs + ts + s]}");
    }
}
