using System.Runtime.CompilerServices;
using MonoBiomech.Engine.Fitting.Goals;

namespace MonoBiomech.Engine.Fitting;

using MonoBiomech.Engine.BodyModels;

/// <summary>
/// One solver stage: the goals whose sum it minimises, the unknowns it changes, its iteration cap, and, for a stage that
/// only prepares the next, a looser convergence tolerance than the solver's.
/// </summary>
internal sealed record FitStage(string Name, IReadOnlyList<FitGoal> Goals, FitUnknowns Unknowns, int MaxIterations, double? RelativeCostTolerance = null)
{
    public bool Solves(FitUnknowns unknowns) => (Unknowns & unknowns) == unknowns;
}

/// <summary>What an evaluation of the objective builds besides the cost.</summary>
internal enum FitEquations
{
    None,
    /// <summary>Only the site offsets' blocks (into <see cref="FitObjective.SiteOffsetEquations"/>): what the Δ step needs, at a fraction of a full build.</summary>
    SiteOffsets,
    /// <summary>The normal equations of every unknown.</summary>
    All,
}

/// <summary>
/// The cost of a subject's fit, the sum of a stage's goals over its videos, and the normal equations at the current state.
/// Frames are evaluated in parallel in chunks of a fixed size, and partial sums are added in chunk order, so the result
/// is the same to the bit at any thread count.
/// </summary>
/// <remarks>
/// The fit's hot loops (here, in the goals, the frame evaluation, the kinematics, the solver and the input cleaning) are
/// marked <see cref="MethodImplOptions.AggressiveOptimization"/>: compiled optimised at their first call. The host (pwsh)
/// decides the JIT's settings, and through the tiered JIT's unoptimised and instrumented tiers a first 300-frame fit took
/// 0.94-1.19 s instead of 0.79-0.86 s (measured, 2 cores).
/// </remarks>
internal sealed class FitObjective : IDisposable
{
    /// <summary>Frames per chunk of parallel work: fixed, so the summation order does not depend on the thread count.</summary>
    private const int FramesPerChunk = 16;

    private readonly BodyModel model;
    private readonly VideoFitProblem[] problems;
    private readonly ParallelOptions parallel;
    private readonly ThreadLocal<FrameEvaluation> evaluations;
    private readonly double[][] chunkCosts;                  // [video][chunk]
    private readonly SubjectNormalEquations[][] chunkPartials; // [video][chunk]

    public FitObjective(BodyModel model, IReadOnlyList<VideoFitProblem> problems, ParallelOptions parallel)
    {
        this.model = model;
        this.problems = problems.ToArray();
        this.parallel = parallel;
        evaluations = new ThreadLocal<FrameEvaluation>(() => new FrameEvaluation(model), trackAllValues: false);
        VideoEquations = this.problems.Select(p => new VideoNormalEquations(p.FrameCount, model.CoordinateCount, model.ScaleGroupCount)).ToArray();
        SubjectEquations = new SubjectNormalEquations(model.ScaleGroupCount, model.SiteCount);
        SiteOffsetEquations = new SubjectNormalEquations(model.ScaleGroupCount, model.SiteCount);
        chunkCosts = this.problems.Select(p => new double[ChunkCount(p.FrameCount)]).ToArray();
        chunkPartials = this.problems.Select(p => Enumerable.Range(0, ChunkCount(p.FrameCount))
            .Select(_ => new SubjectNormalEquations(model.ScaleGroupCount, model.SiteCount)).ToArray()).ToArray();
    }

    public IReadOnlyList<VideoFitProblem> Problems => problems;

    /// <summary>Per video: the normal equations from the last <see cref="Evaluate"/> with <see cref="FitEquations.All"/>.</summary>
    public VideoNormalEquations[] VideoEquations { get; }

    /// <summary>The subject-level normal equations from the last <see cref="Evaluate"/> with <see cref="FitEquations.All"/>.</summary>
    public SubjectNormalEquations SubjectEquations { get; }

    /// <summary>
    /// Δ's blocks from the last <see cref="Evaluate"/> with <see cref="FitEquations.SiteOffsets"/> (kept apart, so that
    /// the full equations stay valid for a retried step).
    /// </summary>
    public SubjectNormalEquations SiteOffsetEquations { get; }

    public void Dispose() => evaluations.Dispose();

    /// <summary>The stage's total cost at <paramref name="state"/>, and the normal equations <paramref name="build"/> asks for.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Evaluate(FitStage stage, SubjectFitState state, FitEquations build)
    {
        SubjectNormalEquations? subjectEquations = build switch
        {
            FitEquations.All => SubjectEquations,
            FitEquations.SiteOffsets => SiteOffsetEquations,
            _ => null,
        };
        subjectEquations?.Clear();
        double total = 0;
        for (int v = 0; v < problems.Length; v++)
        {
            VideoFitProblem problem = problems[v];
            VideoFitState video = state.Videos[v];
            VideoNormalEquations? equations = build == FitEquations.All ? VideoEquations[v] : null;
            double[] costs = chunkCosts[v];
            SubjectNormalEquations[] partials = chunkPartials[v];
            Parallel.For(0, costs.Length, parallel, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (chunk) =>
            {
                FrameEvaluation frame = evaluations.Value!;
                SubjectNormalEquations? partial = subjectEquations is null ? null : partials[chunk];
                partial?.Clear();
                double cost = 0;
                int end = Math.Min(problem.FrameCount, (chunk + 1) * FramesPerChunk);
                for (int t = chunk * FramesPerChunk; t < end; t++)
                {
                    frame.Begin(problem, video, state, t, stage.Unknowns, equations, partial);
                    foreach (FitGoal goal in stage.Goals) cost += goal.AddFrameTerms(frame);
                    frame.End();
                }
                costs[chunk] = cost;
            });
            for (int chunk = 0; chunk < costs.Length; chunk++)
            {
                total += costs[chunk];
                subjectEquations?.Add(partials[chunk]);
            }
            if (equations is not null)
            {
                Array.Clear(equations.CoordinateCoordinatePreviousFrame);
                Array.Clear(equations.CoordinateCoordinateTwoFramesBack);
            }
            foreach (FitGoal goal in stage.Goals) total += goal.AddVideoTerms(problem, video, equations);
        }
        foreach (FitGoal goal in stage.Goals) total += goal.AddSubjectTerms(state, subjectEquations);
        return total;
    }

    private static int ChunkCount(int frames) => (frames + FramesPerChunk - 1) / FramesPerChunk;
}
