using System.Runtime.CompilerServices;
using MonoBiomech.Fitting;
using MonoBiomech.Engine.Fitting.Goals;

namespace MonoBiomech.Engine.Fitting.Solver;

using MonoBiomech.Engine.BodyModels;

/// <summary>A solver step for every unknown of a subject (the LM step before projection onto the joint limits).</summary>
internal sealed class FitStep
{
    public FitStep(IReadOnlyList<VideoFitProblem> problems, int coordinates, int scaleGroups)
    {
        Coordinates = problems.Select(p => new double[p.FrameCount * coordinates]).ToArray();
        KeypointOffsets = problems.Select(p => new double[p.FrameCount * 3]).ToArray();
        ScaleIncrements = new double[scaleGroups];
    }

    /// <summary>[video][frame, coordinate] δq.</summary>
    public double[][] Coordinates { get; }

    /// <summary>[video][frame, xyz] δτ, metres.</summary>
    public double[][] KeypointOffsets { get; }

    /// <summary>[scale group] δβ.</summary>
    public double[] ScaleIncrements { get; }
}

/// <summary>
/// Solves the damped normal equations of a subject exactly, using their sparsity: per frame, τ (3x3) is eliminated by a
/// Schur complement; the coordinates of a video form a block-banded system (bandwidth 2 from the acceleration prior),
/// factorised in time linear in the frame count; the shared β are solved from their Schur complement (g x g).
/// Coordinates held by the stage, or at a joint limit with the gradient pointing out, are fixed for the step (an active set).
/// </summary>
internal sealed class SchurBandedSolver
{
    /// <summary>Relative floor on the diagonal before damping: keeps coordinates that no goal observes solvable.</summary>
    private const double RelativeDiagonalFloor = 1e-9;
    private const double AbsoluteDiagonalFloor = 1e-12;
    private const double LimitTolerance = 1e-12;

    private readonly BodyModel model;
    private readonly ParallelOptions parallel;
    private readonly int n, groups;
    private readonly VideoScratch[] scratch;

    public SchurBandedSolver(BodyModel model, IReadOnlyList<VideoFitProblem> problems, ParallelOptions parallel)
    {
        this.model = model;
        this.parallel = parallel;
        n = model.CoordinateCount;
        groups = model.ScaleGroupCount;
        scratch = problems.Select(p => new VideoScratch(p.FrameCount, n, groups)).ToArray();
    }

    /// <summary>
    /// Fills <paramref name="step"/> with the solution of the damped system (Marquardt damping <paramref name="damping"/> on
    /// the diagonal). False when a system is not positive definite.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TrySolve(FitStage stage, SubjectFitState state, IReadOnlyList<VideoNormalEquations> videos, SubjectNormalEquations subject,
        double damping, FitStep step)
    {
        bool solveScales = stage.Solves(FitUnknowns.ScaleIncrements);
        var scaleSchur = new double[groups * groups];
        var scaleRhs = new double[groups];
        for (int i = 0; i < scaleSchur.Length; i++) scaleSchur[i] = subject.ScaleScale[i];
        for (int g = 0; g < groups; g++)
        {
            scaleRhs[g] = -subject.ScaleGradient[g];
            scaleSchur[g * groups + g] = scaleSchur[g * groups + g] * (1 + damping) + AbsoluteDiagonalFloor;
        }

        for (int v = 0; v < videos.Count; v++)
        {
            VideoScratch s = scratch[v];
            if (!AssembleAndFactor(stage, state.Videos[v], videos[v], damping, s, scaleSchur, scaleRhs)) return false;
            // y = A⁻¹·g_q and X = A⁻¹·H_qβ in one sweep of the factor.
            int dimension = videos[v].FrameCount * n;
            double[][] columns = solveScales ? s.ScaleColumns : Array.Empty<double[]>();
            for (int g = 0; g < columns.Length; g++)
                for (int i = 0; i < dimension; i++) columns[g][i] = s.ReducedCoordinateScale[i * groups + g];
            s.Factor.Solve(s.RightHandSides(solveScales), parallel);
            if (!solveScales) continue;
            // S −= H_βqᵀ·X,  rhs += H_βqᵀ·y  (rhs = −g_β + H_βq·A⁻¹·g_q)
            for (int g = 0; g < groups; g++)
                for (int h = 0; h < groups; h++)
                {
                    double sum = 0;
                    for (int i = 0; i < dimension; i++) sum += s.ReducedCoordinateScale[i * groups + h] * columns[g][i];
                    scaleSchur[h * groups + g] -= sum;
                }
            for (int h = 0; h < groups; h++)
            {
                double sum = 0;
                for (int i = 0; i < dimension; i++) sum += s.ReducedCoordinateScale[i * groups + h] * s.ReducedCoordinateGradient[i];
                scaleRhs[h] += sum;
            }
        }

        double[] deltaBeta = step.ScaleIncrements;
        Array.Clear(deltaBeta);
        if (solveScales)
        {
            Array.Copy(scaleRhs, deltaBeta, groups);
            if (!SmallDense.SolveSpd(scaleSchur, deltaBeta, groups)) return false;
        }

        for (int v = 0; v < videos.Count; v++)
            BackSubstitute(videos[v], scratch[v], solveScales ? deltaBeta : null, step.Coordinates[v], step.KeypointOffsets[v]);
        return true;
    }

    /// <summary>q ← clamp(q + δq) to the joint limits, τ ← τ + δτ, β ← β + δβ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(FitStep step, SubjectFitState state)
    {
        for (int v = 0; v < state.Videos.Length; v++)
        {
            VideoFitState video = state.Videos[v];
            double[] dq = step.Coordinates[v], dt = step.KeypointOffsets[v];
            for (int i = 0; i < dt.Length; i++) video.KeypointOffsetsMetres[i] += dt[i];
            for (int t = 0; t < video.FrameCount; t++)
                for (int d = 0; d < n; d++)
                {
                    CoordinateDefinition c = model.Coordinates[d];
                    double value = video.Coordinates[t * n + d] + dq[t * n + d];
                    video.Coordinates[t * n + d] = c.IsLimited ? Math.Clamp(value, c.LowerLimit, c.UpperLimit) : value;
                }
        }
        for (int g = 0; g < groups; g++) state.ScaleIncrements[g] += step.ScaleIncrements[g];
    }

    /// <summary>
    /// The banded system of one video: per-frame H_qq with τ eliminated, the temporal couplings, damping and the fixed
    /// coordinates; factorised. Adds the τ-eliminated β terms to the β Schur system.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool AssembleAndFactor(FitStage stage, VideoFitState state, VideoNormalEquations eq, double damping, VideoScratch s,
        double[] scaleSchur, double[] scaleRhs)
    {
        int frames = eq.FrameCount;
        bool solveScales = stage.Solves(FitUnknowns.ScaleIncrements);
        BlockBandedCholesky factor = s.Factor;
        factor.Clear();
        Array.Copy(eq.CoordinateGradient, s.ReducedCoordinateGradient, s.ReducedCoordinateGradient.Length);
        Array.Copy(eq.CoordinateScale, s.ReducedCoordinateScale, s.ReducedCoordinateScale.Length);

        for (int t = 0; t < frames; t++)
            for (int d = 0; d < n; d++)
            {
                CoordinateDefinition c = model.Coordinates[d];
                double value = state.Coordinates[t * n + d], gradient = eq.CoordinateGradient[t * n + d];
                bool held = !stage.Solves(c.Kind == CoordinateKind.Translation ? FitUnknowns.Translations : FitUnknowns.Rotations);
                bool atLimit = c.IsLimited && ((value <= c.LowerLimit + LimitTolerance && gradient > 0) || (value >= c.UpperLimit - LimitTolerance && gradient < 0));
                s.Fixed[t * n + d] = held || atLimit;
            }

        // Marquardt damping on the diagonal of H_qq, scaled by each entry, with a floor for coordinates nothing observes.
        double floor = 0;
        for (int t = 0; t < frames; t++)
            for (int d = 0; d < n; d++) floor = Math.Max(floor, eq.CoordinateCoordinate[(t * n + d) * n + d]);
        floor = Math.Max(floor * RelativeDiagonalFloor, AbsoluteDiagonalFloor);

        // Diagonal blocks: damped H_qq − H_qτ·T⁻¹·H_τq with T the damped H_ττ (frames are independent here).
        Parallel.For(0, frames, parallel, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (t) =>
        {
            Span<double> block = factor.Block(t, 0);
            eq.CoordinateCoordinate.AsSpan(t * n * n, n * n).CopyTo(block);
            for (int d = 0; d < n; d++) block[d * n + d] += damping * Math.Max(block[d * n + d], floor) + floor;
            Span<double> offsetBlock = stackalloc double[9];
            eq.OffsetOffset.AsSpan(t * 9, 9).CopyTo(offsetBlock);
            for (int a = 0; a < 3; a++) offsetBlock[a * 4] *= 1 + damping;
            Span<double> inverse = s.InverseOffsetOffset.AsSpan(t * 9, 9);
            SmallDense.InvertSpd3(offsetBlock, inverse);
            Span<double> gain = stackalloc double[n * 3]; // H_qτ·T⁻¹ (n x 3)
            for (int d = 0; d < n; d++)
                for (int a = 0; a < 3; a++)
                {
                    double sum = 0;
                    for (int b = 0; b < 3; b++) sum += eq.CoordinateOffset[(t * n + d) * 3 + b] * inverse[b * 3 + a];
                    gain[d * 3 + a] = sum;
                }
            for (int d = 0; d < n; d++)
            {
                double k0 = gain[d * 3], k1 = gain[d * 3 + 1], k2 = gain[d * 3 + 2];
                if (k0 == 0 && k1 == 0 && k2 == 0) continue;
                for (int e = 0; e < n; e++)
                {
                    int o = (t * n + e) * 3;
                    block[d * n + e] -= k0 * eq.CoordinateOffset[o] + k1 * eq.CoordinateOffset[o + 1] + k2 * eq.CoordinateOffset[o + 2];
                }
                s.ReducedCoordinateGradient[t * n + d] -= k0 * eq.OffsetGradient[t * 3] + k1 * eq.OffsetGradient[t * 3 + 1] + k2 * eq.OffsetGradient[t * 3 + 2];
                if (solveScales)
                    for (int g = 0; g < groups; g++)
                        s.ReducedCoordinateScale[(t * n + d) * groups + g] -= k0 * eq.OffsetScale[(t * 3) * groups + g]
                            + k1 * eq.OffsetScale[(t * 3 + 1) * groups + g] + k2 * eq.OffsetScale[(t * 3 + 2) * groups + g];
            }
        });

        if (solveScales)
        {
            // β terms of the τ elimination, in frame order: S −= H_βτ·T⁻¹·H_τβ, rhs += H_βτ·T⁻¹·g_τ.
            Span<double> gain = stackalloc double[3];
            for (int t = 0; t < frames; t++)
            {
                ReadOnlySpan<double> inverse = s.InverseOffsetOffset.AsSpan(t * 9, 9);
                for (int g = 0; g < groups; g++)
                {
                    for (int a = 0; a < 3; a++)
                    {
                        double sum = 0;
                        for (int b = 0; b < 3; b++) sum += eq.OffsetScale[(t * 3 + b) * groups + g] * inverse[b * 3 + a];
                        gain[a] = sum;
                    }
                    for (int h = 0; h < groups; h++)
                        scaleSchur[g * groups + h] -= gain[0] * eq.OffsetScale[(t * 3) * groups + h] + gain[1] * eq.OffsetScale[(t * 3 + 1) * groups + h]
                            + gain[2] * eq.OffsetScale[(t * 3 + 2) * groups + h];
                    scaleRhs[g] += gain[0] * eq.OffsetGradient[t * 3] + gain[1] * eq.OffsetGradient[t * 3 + 1] + gain[2] * eq.OffsetGradient[t * 3 + 2];
                }
            }
        }

        // Temporal couplings: the off-diagonal frame blocks are diagonal.
        for (int t = 1; t < frames; t++)
        {
            Span<double> previous = factor.Block(t, 1);
            for (int d = 0; d < n; d++) previous[d * n + d] = eq.CoordinateCoordinatePreviousFrame[t * n + d];
            if (t < 2) continue;
            Span<double> twoBack = factor.Block(t, 2);
            for (int d = 0; d < n; d++) twoBack[d * n + d] = eq.CoordinateCoordinateTwoFramesBack[t * n + d];
        }

        // Fixed coordinates: identity rows and columns, zero right-hand side.
        for (int t = 0; t < frames; t++)
            for (int d = 0; d < n; d++)
            {
                if (!s.Fixed[t * n + d]) continue;
                for (int offset = 0; offset <= 2; offset++)
                {
                    if (t - offset >= 0) factor.Block(t, offset).Slice(d * n, n).Clear();
                    if (t + offset < frames)
                    {
                        Span<double> column = factor.Block(t + offset, offset);
                        for (int i = 0; i < n; i++) column[i * n + d] = 0;
                    }
                }
                factor.Block(t, 0)[d * n + d] = 1;
                s.ReducedCoordinateGradient[t * n + d] = 0;
                for (int g = 0; g < groups; g++) s.ReducedCoordinateScale[(t * n + d) * groups + g] = 0;
            }
        return factor.Factorize(parallel);
    }

    /// <summary>δq = −(y + X·δβ) on the free coordinates; δτ_t = −T⁻¹·(g_τ + H_τq·δq_t + H_τβ·δβ).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BackSubstitute(VideoNormalEquations eq, VideoScratch s, double[]? deltaBeta, double[] dq, double[] dt)
    {
        int dimension = eq.FrameCount * n;
        for (int i = 0; i < dimension; i++)
        {
            double value = -s.ReducedCoordinateGradient[i];
            if (deltaBeta is not null)
                for (int g = 0; g < groups; g++) value -= s.ScaleColumns[g][i] * deltaBeta[g];
            dq[i] = s.Fixed[i] ? 0 : value;
        }
        Span<double> rhs = stackalloc double[3];
        for (int t = 0; t < eq.FrameCount; t++)
        {
            for (int a = 0; a < 3; a++)
            {
                double value = eq.OffsetGradient[t * 3 + a];
                for (int d = 0; d < n; d++) value += eq.CoordinateOffset[(t * n + d) * 3 + a] * dq[t * n + d];
                if (deltaBeta is not null)
                    for (int g = 0; g < groups; g++) value += eq.OffsetScale[(t * 3 + a) * groups + g] * deltaBeta[g];
                rhs[a] = value;
            }
            for (int a = 0; a < 3; a++)
            {
                double value = 0;
                for (int b = 0; b < 3; b++) value += s.InverseOffsetOffset[t * 9 + a * 3 + b] * rhs[b];
                dt[t * 3 + a] = -value;
            }
        }
    }

    /// <summary>Per-video buffers, reused across iterations (a long video's are tens of MB; reallocating them costs GC time).</summary>
    private sealed class VideoScratch
    {
        private readonly double[][] withScales, withoutScales;

        public VideoScratch(int frames, int n, int groups)
        {
            Factor = new BlockBandedCholesky(frames, n, 2);
            ReducedCoordinateGradient = new double[frames * n];
            ReducedCoordinateScale = new double[frames * n * groups];
            InverseOffsetOffset = new double[frames * 9];
            ScaleColumns = Enumerable.Range(0, groups).Select(_ => new double[frames * n]).ToArray();
            Fixed = new bool[frames * n];
            withScales = ScaleColumns.Prepend(ReducedCoordinateGradient).ToArray();
            withoutScales = new[] { ReducedCoordinateGradient };
        }

        public BlockBandedCholesky Factor { get; }

        /// <summary>[frame, n] g_q with τ eliminated; after the solve, y = A⁻¹·g_q.</summary>
        public double[] ReducedCoordinateGradient { get; }

        /// <summary>[frame, n, g] H_qβ with τ eliminated.</summary>
        public double[] ReducedCoordinateScale { get; }

        /// <summary>[frame, 3, 3] inverse of the damped H_ττ.</summary>
        public double[] InverseOffsetOffset { get; }

        /// <summary>[g][frame·n] X = A⁻¹·H_qβ, column by column.</summary>
        public double[][] ScaleColumns { get; }

        /// <summary>[frame, n] coordinates held fixed in this step.</summary>
        public bool[] Fixed { get; }

        public IReadOnlyList<double[]> RightHandSides(bool withScaleColumns) => withScaleColumns ? withScales : withoutScales;
    }
}
