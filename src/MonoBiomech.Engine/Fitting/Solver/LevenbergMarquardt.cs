using MonoBiomech.Fitting;
using MonoBiomech.Engine.Fitting.Goals;

namespace MonoBiomech.Engine.Fitting.Solver;

/// <summary>The tolerances and damping schedule of <see cref="LevenbergMarquardt"/>.</summary>
/// <param name="RelativeCostTolerance">Stop when an accepted step lowers the cost by less than this fraction of it.</param>
/// <param name="InitialDamping">Marquardt's μ at the start of a stage (relative to each diagonal entry).</param>
/// <param name="MinimumDamping">μ is never lowered below this.</param>
/// <param name="DampingDecreaseFactor">μ is divided by this after an accepted step.</param>
/// <param name="MaxDampingAttempts">Rejected steps (with μ raised each time) before the stage gives up.</param>
internal sealed record LevenbergMarquardtOptions(
    double RelativeCostTolerance,
    double InitialDamping = 1e-3,
    double MinimumDamping = 1e-9,
    double DampingDecreaseFactor = 3,
    int MaxDampingAttempts = 12);

/// <summary>How one stage ended.</summary>
internal sealed record FitStageOutcome(string Stage, FitExitReason ExitReason, int Iterations, double FinalCost);

/// <summary>
/// Damped Gauss-Newton (Levenberg-Marquardt with Nielsen's damping update) over a stage's goals: the exact step of the
/// damped normal equations from <see cref="SchurBandedSolver"/>, kept only if it lowers the cost; site offsets Δ are
/// stepped by alternation after each accepted step, from Δ's blocks built with the trial step's cost (one full build
/// per iteration).
/// </summary>
internal sealed class LevenbergMarquardt(FitObjective objective, SchurBandedSolver solver, LevenbergMarquardtOptions options)
{
    public FitStageOutcome Run(FitStage stage, SubjectFitState state, IProgress<FitProgress>? progress, CancellationToken cancellationToken)
    {
        FitStep step = new(objective.Problems, state.Videos[0].CoordinateCount, state.ScaleIncrements.Length);
        SubjectFitState saved = state.Clone();
        double cost = objective.Evaluate(stage, state, FitEquations.All);
        double damping = options.InitialDamping, growth = 2;
        bool siteOffsetsActive = stage.Solves(FitUnknowns.SiteOffsets);
        double tolerance = stage.RelativeCostTolerance ?? options.RelativeCostTolerance;
        for (int iteration = 1; iteration <= stage.MaxIterations; iteration++)
        {
            if (cancellationToken.IsCancellationRequested) return new(stage.Name, FitExitReason.Cancelled, iteration - 1, cost);
            double previous = cost;
            bool accepted = false;
            state.CopyTo(saved);
            for (int attempt = 0; attempt < options.MaxDampingAttempts && !accepted; attempt++)
            {
                if (cancellationToken.IsCancellationRequested) return new(stage.Name, FitExitReason.Cancelled, iteration - 1, cost);
                if (solver.TrySolve(stage, state, objective.VideoEquations, objective.SubjectEquations, damping, step))
                {
                    solver.Apply(step, state);
                    double trial = objective.Evaluate(stage, state, siteOffsetsActive ? FitEquations.SiteOffsets : FitEquations.None);
                    if (trial < cost)
                    {
                        accepted = true;
                        cost = trial;
                        damping = Math.Max(damping / options.DampingDecreaseFactor, options.MinimumDamping);
                        growth = 2;
                        break;
                    }
                    saved.CopyTo(state);
                }
                damping *= growth;
                growth *= 2;
            }
            if (!accepted)
            {
                progress?.Report(new FitProgress(iteration, stage.MaxIterations, cost, stage.Name));
                return new(stage.Name, FitExitReason.NoFurtherProgress, iteration, cost);
            }

            if (siteOffsetsActive)
            {
                // Δ is stiff (strong prior) and settles early; once its step gains next to nothing, stop paying for it.
                double before = cost;
                cost = StepSiteOffsets(stage, state, cost);
                siteOffsetsActive = before - cost > 10 * tolerance * before;
            }
            progress?.Report(new FitProgress(iteration, stage.MaxIterations, cost, stage.Name));
            if (previous - cost <= tolerance * previous) return new(stage.Name, FitExitReason.Converged, iteration, cost);
            cost = objective.Evaluate(stage, state, FitEquations.All);
        }
        return new(stage.Name, FitExitReason.IterationLimit, stage.MaxIterations, cost);
    }

    /// <summary>
    /// One Gauss-Newton step on Δ from its blocks at the accepted pose (each site's 3x3 system is independent given the
    /// pose); kept only if it lowers the cost. Alternating like this converged in fewer iterations than adding the Δ step
    /// to the main step (block-Jacobi) or reusing the main step's stale linearisation.
    /// </summary>
    private double StepSiteOffsets(FitStage stage, SubjectFitState state, double cost)
    {
        SubjectNormalEquations eq = objective.SiteOffsetEquations;
        double[] offsets = state.SiteOffsetsMetres;
        double[] saved = (double[])offsets.Clone();
        Span<double> a = stackalloc double[9];
        Span<double> b = stackalloc double[3];
        for (int site = 0; site < eq.SiteCount; site++)
        {
            eq.SiteOffsetSiteOffset.AsSpan(site * 9, 9).CopyTo(a);
            for (int i = 0; i < 3; i++) b[i] = -eq.SiteOffsetGradient[site * 3 + i];
            if (!SmallDense.SolveSpd(a, b, 3)) continue;
            for (int i = 0; i < 3; i++) offsets[site * 3 + i] += b[i];
        }
        double trial = objective.Evaluate(stage, state, FitEquations.None);
        if (trial < cost) return trial;
        Array.Copy(saved, offsets, offsets.Length);
        return cost;
    }
}
