using System.Runtime.CompilerServices;
namespace MonoBiomech.Engine.Fitting;

/// <summary>
/// The Gauss-Newton normal equations of one video (JᵀWJ and JᵀWe of every goal, IRLS weights frozen), in the blocks the
/// sparsity allows. Unknowns per frame: q (n coordinates) and τ (3); shared: β (g scale groups). Frames couple only through
/// temporal goals, which act on each coordinate separately, so the off-diagonal frame blocks are diagonal.
/// </summary>
internal sealed class VideoNormalEquations
{
    public VideoNormalEquations(int frames, int coordinates, int scaleGroups)
    {
        FrameCount = frames;
        CoordinateCount = coordinates;
        ScaleGroupCount = scaleGroups;
        CoordinateCoordinate = new double[frames * coordinates * coordinates];
        CoordinateCoordinatePreviousFrame = new double[frames * coordinates];
        CoordinateCoordinateTwoFramesBack = new double[frames * coordinates];
        CoordinateOffset = new double[frames * coordinates * 3];
        OffsetOffset = new double[frames * 9];
        CoordinateScale = new double[frames * coordinates * scaleGroups];
        OffsetScale = new double[frames * 3 * scaleGroups];
        CoordinateGradient = new double[frames * coordinates];
        OffsetGradient = new double[frames * 3];
    }

    public int FrameCount { get; }
    public int CoordinateCount { get; }
    public int ScaleGroupCount { get; }

    /// <summary>[frame, n, n] H_qq of each frame (symmetric).</summary>
    public double[] CoordinateCoordinate { get; }

    /// <summary>[frame, n] diagonal of the block H_q(t),q(t−1); frame 0's entries are unused.</summary>
    public double[] CoordinateCoordinatePreviousFrame { get; }

    /// <summary>[frame, n] diagonal of the block H_q(t),q(t−2); frames 0 and 1 unused.</summary>
    public double[] CoordinateCoordinateTwoFramesBack { get; }

    /// <summary>[frame, n, 3] H_qτ.</summary>
    public double[] CoordinateOffset { get; }

    /// <summary>[frame, 3, 3] H_ττ.</summary>
    public double[] OffsetOffset { get; }

    /// <summary>[frame, n, g] H_qβ.</summary>
    public double[] CoordinateScale { get; }

    /// <summary>[frame, 3, g] H_τβ.</summary>
    public double[] OffsetScale { get; }

    /// <summary>[frame, n] ∂F/∂q.</summary>
    public double[] CoordinateGradient { get; }

    /// <summary>[frame, 3] ∂F/∂τ.</summary>
    public double[] OffsetGradient { get; }

    public void Clear()
    {
        Array.Clear(CoordinateCoordinate); Array.Clear(CoordinateCoordinatePreviousFrame); Array.Clear(CoordinateCoordinateTwoFramesBack);
        Array.Clear(CoordinateOffset); Array.Clear(OffsetOffset); Array.Clear(CoordinateScale); Array.Clear(OffsetScale);
        Array.Clear(CoordinateGradient); Array.Clear(OffsetGradient);
    }
}

/// <summary>
/// The subject-level blocks: β (g x g) and the site offsets Δ. Each site's Δ is coupled to the trajectories, but the solver
/// steps Δ by alternation given the pose, so only its 3x3 diagonal blocks are kept.
/// </summary>
internal sealed class SubjectNormalEquations
{
    public SubjectNormalEquations(int scaleGroups, int sites)
    {
        ScaleGroupCount = scaleGroups;
        SiteCount = sites;
        ScaleScale = new double[scaleGroups * scaleGroups];
        ScaleGradient = new double[scaleGroups];
        SiteOffsetSiteOffset = new double[sites * 9];
        SiteOffsetGradient = new double[sites * 3];
    }

    public int ScaleGroupCount { get; }
    public int SiteCount { get; }

    /// <summary>[g, g] H_ββ.</summary>
    public double[] ScaleScale { get; }

    /// <summary>[g] ∂F/∂β.</summary>
    public double[] ScaleGradient { get; }

    /// <summary>[site, 3, 3] H_ΔΔ of each site.</summary>
    public double[] SiteOffsetSiteOffset { get; }

    /// <summary>[site, 3] ∂F/∂Δ.</summary>
    public double[] SiteOffsetGradient { get; }

    public void Clear()
    {
        Array.Clear(ScaleScale); Array.Clear(ScaleGradient); Array.Clear(SiteOffsetSiteOffset); Array.Clear(SiteOffsetGradient);
    }

    /// <summary>Adds another set of blocks (a chunk's partial sums); callers add partials in a fixed order for reproducible sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(SubjectNormalEquations other)
    {
        AddInto(ScaleScale, other.ScaleScale); AddInto(ScaleGradient, other.ScaleGradient);
        AddInto(SiteOffsetSiteOffset, other.SiteOffsetSiteOffset); AddInto(SiteOffsetGradient, other.SiteOffsetGradient);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddInto(double[] target, double[] source)
    {
        for (int i = 0; i < target.Length; i++) target[i] += source[i];
    }
}
