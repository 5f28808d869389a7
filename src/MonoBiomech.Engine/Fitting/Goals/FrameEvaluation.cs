using System.Runtime.CompilerServices;
namespace MonoBiomech.Engine.Fitting.Goals;

using MonoBiomech.Engine.BodyModels;

/// <summary>Which unknowns a solver stage changes (τ, the per-frame keypoint offsets, are always free).</summary>
[Flags]
internal enum FitUnknowns
{
    /// <summary>Every coordinate except slides.</summary>
    Rotations = 1,
    /// <summary>Slide coordinates (the root translation).</summary>
    Translations = 2,
    ScaleIncrements = 4,
    SiteOffsets = 8,
    All = Rotations | Translations | ScaleIncrements | SiteOffsets,
}

/// <summary>
/// One frame being evaluated (a per-thread scratch object, reset per frame): the frame's kinematics, the sites in the
/// camera frame with their Jacobians (computed once per site and frame, shared by the goals), and the place where goals
/// add residual blocks to the normal equations (summed per site in point space, taken through the Jacobians at <see cref="End"/>).
/// </summary>
internal sealed class FrameEvaluation
{
    private readonly BodyModel model;
    private readonly int coordinates, scaleGroups;
    private readonly int[] siteStamp;
    private readonly double[] siteCameraPositions;        // [site, xyz] camera frame, metres
    private readonly double[] siteCoordinateJacobians;    // [site, 3, moving coordinates of the site] camera frame, m per rad (or m)
    private readonly double[] siteScaleJacobians;         // [site, 3, g] camera frame, m per unit β
    private readonly double[] siteOffsetJacobians;        // [site, 3, 3] camera frame, m per m of body-frame Δ
    private readonly double[] worldJacobian;              // [3, n] scratch
    private readonly int[] siteBlockStamp;                // [site] the stamp of the frame whose blocks the next three hold
    private readonly double[] sitePointHessians;          // [site, 3, 3] M = Σ w·(∂e/∂p)ᵀ·∂e/∂p of the frame's residual blocks, per m²
    private readonly double[] sitePointGradients;         // [site, 3] Σ w·(∂e/∂p)ᵀ·e, per m
    private readonly double[] siteOffsetCouplings;        // [site, 3, 3] M's part from residuals that include τ (∂e/∂τ = ∂e/∂p)
    private readonly int[] observedSites;                 // [≤ site count] the sites with blocks this frame, in the order first added
    private readonly double[] weightedCoordinateJacobian; // [3, moving coordinates] M·J_q scratch
    private readonly double[] weightedScaleJacobian;      // [3, g] M·J_β scratch
    private int observedSiteCount;
    private int stamp;

    public FrameEvaluation(BodyModel model)
    {
        this.model = model;
        coordinates = model.CoordinateCount;
        scaleGroups = model.ScaleGroupCount;
        Workspace = new KinematicsWorkspace(model);
        siteStamp = new int[model.SiteCount];
        siteCameraPositions = new double[model.SiteCount * 3];
        siteCoordinateJacobians = new double[model.SiteCount * 3 * coordinates];
        siteScaleJacobians = new double[model.SiteCount * 3 * scaleGroups];
        siteOffsetJacobians = new double[model.SiteCount * 9];
        worldJacobian = new double[3 * coordinates];
        siteBlockStamp = new int[model.SiteCount];
        sitePointHessians = new double[model.SiteCount * 9];
        sitePointGradients = new double[model.SiteCount * 3];
        siteOffsetCouplings = new double[model.SiteCount * 9];
        observedSites = new int[model.SiteCount];
        weightedCoordinateJacobian = new double[3 * coordinates];
        weightedScaleJacobian = new double[3 * scaleGroups];
    }

    public KinematicsWorkspace Workspace { get; }
    public VideoFitProblem Problem { get; private set; } = null!;
    public VideoFitState State { get; private set; } = null!;
    public int Frame { get; private set; }
    public FitUnknowns Unknowns { get; private set; }

    /// <summary>The video's normal equations (this frame's blocks are cleared), or null when only the cost (and perhaps Δ's blocks) is wanted.</summary>
    public VideoNormalEquations? Equations { get; private set; }

    /// <summary>Where subject-level blocks (β, Δ) of this frame go: the partial sums of the frame's chunk; null when only the cost is wanted.</summary>
    public SubjectNormalEquations? SubjectPartial { get; private set; }

    /// <summary>Goals add residual blocks: for every unknown (with <see cref="Equations"/>), or only for the site offsets Δ.</summary>
    public bool Build => SubjectPartial is not null;

    /// <summary>Runs the kinematics of frame <paramref name="frame"/> and clears its blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Begin(VideoFitProblem problem, VideoFitState state, SubjectFitState subject, int frame, FitUnknowns unknowns,
        VideoNormalEquations? equations, SubjectNormalEquations? subjectPartial)
    {
        Problem = problem;
        State = state;
        Frame = frame;
        Unknowns = unknowns;
        Equations = equations;
        SubjectPartial = subjectPartial;
        observedSiteCount = 0;
        stamp++;
        Kinematics.Forward(model, state.Coordinates.AsSpan(frame * coordinates, coordinates), subject.ScaleIncrements,
            subject.SiteOffsetsMetres, Workspace);
        if (equations is null) return;
        int n = coordinates, g = scaleGroups;
        equations.CoordinateCoordinate.AsSpan(frame * n * n, n * n).Clear();
        equations.CoordinateOffset.AsSpan(frame * n * 3, n * 3).Clear();
        equations.OffsetOffset.AsSpan(frame * 9, 9).Clear();
        equations.CoordinateScale.AsSpan(frame * n * g, n * g).Clear();
        equations.OffsetScale.AsSpan(frame * 3 * g, 3 * g).Clear();
        equations.CoordinateGradient.AsSpan(frame * n, n).Clear();
        equations.OffsetGradient.AsSpan(frame * 3, 3).Clear();
    }

    /// <summary>The site's position in the camera frame, metres.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public (double X, double Y, double Z) SiteInCamera(int site)
    {
        Prepare(site, withJacobians: false);
        return (siteCameraPositions[site * 3], siteCameraPositions[site * 3 + 1], siteCameraPositions[site * 3 + 2]);
    }

    /// <summary>
    /// Adds the residual block e (<paramref name="rows"/> values) of a goal observing <paramref name="site"/>, weighted
    /// by <paramref name="weight"/> (cost ½·w·‖e‖² locally, IRLS weight included), with ∂e/∂p = <paramref name="pointJacobian"/>
    /// (rows x 3, p the site in the camera frame; empty for the identity, with 3 rows: e is a point difference). With
    /// <paramref name="includesKeypointOffset"/> the residual depends on the frame's τ as on p (∂e/∂τ = ∂e/∂p).
    /// The block is summed per site in point space (3x3 and 3); <see cref="End"/> takes each site's sum through its
    /// Jacobians once, however many goals observe it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddResidual(int site, ReadOnlySpan<double> residual, int rows, ReadOnlySpan<double> pointJacobian, double weight,
        bool includesKeypointOffset)
    {
        bool identity = pointJacobian.IsEmpty;
        if (identity && rows != 3) throw new ArgumentException("An identity point Jacobian needs a 3-row residual.", nameof(pointJacobian));
        if (!Build) throw new InvalidOperationException("Residual blocks are only added when building the normal equations.");
        if (siteBlockStamp[site] != stamp)
        {
            siteBlockStamp[site] = stamp;
            observedSites[observedSiteCount++] = site;
            sitePointHessians.AsSpan(site * 9, 9).Clear();
            sitePointGradients.AsSpan(site * 3, 3).Clear();
            siteOffsetCouplings.AsSpan(site * 9, 9).Clear();
        }
        // w·(∂e/∂p)ᵀ·∂e/∂p and w·(∂e/∂p)ᵀ·e.
        Span<double> hessian = stackalloc double[9];
        Span<double> gradient = stackalloc double[3];
        for (int a = 0; a < 3; a++)
        {
            double sum = 0;
            if (identity) sum = residual[a];
            else for (int row = 0; row < rows; row++) sum += pointJacobian[row * 3 + a] * residual[row];
            gradient[a] = weight * sum;
            for (int b = 0; b < 3; b++)
            {
                double h = 0;
                if (identity) h = a == b ? 1 : 0;
                else for (int row = 0; row < rows; row++) h += pointJacobian[row * 3 + a] * pointJacobian[row * 3 + b];
                hessian[a * 3 + b] = weight * h;
            }
        }
        Add(sitePointHessians.AsSpan(site * 9, 9), hessian);
        Add(sitePointGradients.AsSpan(site * 3, 3), gradient);
        if (!includesKeypointOffset) return;
        Add(siteOffsetCouplings.AsSpan(site * 9, 9), hessian);
        if (Equations is not { } eq) return;
        Add(eq.OffsetOffset.AsSpan(Frame * 9, 9), hessian);
        Add(eq.OffsetGradient.AsSpan(Frame * 3, 3), gradient);
    }

    /// <summary>
    /// Ends the frame: the point-space blocks of every observed site, through its camera-frame Jacobians, into the
    /// frame's blocks (H_qq, g_q, H_qτ, H_qβ, H_τβ) and the chunk's β and Δ blocks; then H_qq's upper triangle from its lower.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void End()
    {
        if (!Build) return;
        for (int i = 0; i < observedSiteCount; i++) ProjectSite(observedSites[i]);
        observedSiteCount = 0;
        if (Equations is not { } eq) return;
        int n = coordinates;
        Span<double> hqq = eq.CoordinateCoordinate.AsSpan(Frame * n * n, n * n);
        for (int a = 0; a < n; a++)
            for (int b = 0; b < a; b++) hqq[b * n + a] = hqq[a * n + b];
    }

    /// <summary>J_qᵀ·M·J_q and the like for one site, M its summed point-space Hessian (lower triangle of H_qq only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProjectSite(int site)
    {
        Prepare(site, withJacobians: true);
        SubjectNormalEquations subject = SubjectPartial!;
        ReadOnlySpan<double> m = sitePointHessians.AsSpan(site * 9, 9), gp = sitePointGradients.AsSpan(site * 3, 3);
        int n = coordinates, g = scaleGroups, t = Frame;
        bool scales = (Unknowns & FitUnknowns.ScaleIncrements) != 0, offsets = (Unknowns & FitUnknowns.SiteOffsets) != 0;
        if (Equations is { } eq)
        {
            ReadOnlySpan<int> moving = model.CoordinatesMovingSite(site);
            int k = moving.Length;
            ReadOnlySpan<double> c = siteOffsetCouplings.AsSpan(site * 9, 9);
            ReadOnlySpan<double> jq = siteCoordinateJacobians.AsSpan(site * 3 * n, 3 * k), jb = siteScaleJacobians.AsSpan(site * 3 * g, 3 * g);
            Span<double> mjq = weightedCoordinateJacobian.AsSpan(0, 3 * k), mjb = weightedScaleJacobian.AsSpan(0, 3 * g);
            MultiplyRows(m, 3, jq, k, mjq);
            if (scales) MultiplyRows(m, 3, jb, g, mjb);
            double[] hqq = eq.CoordinateCoordinate, gq = eq.CoordinateGradient, hqt = eq.CoordinateOffset, hqb = eq.CoordinateScale;
            double g0 = gp[0], g1 = gp[1], g2 = gp[2];
            for (int a = 0; a < k; a++)
            {
                int ca = moving[a], row = t * n + ca;
                double j0 = jq[a], j1 = jq[k + a], j2 = jq[2 * k + a];
                gq[row] += j0 * g0 + j1 * g1 + j2 * g2;
                // moving is sorted, so (ca, moving[b ≤ a]) lies in the lower triangle.
                int rowStart = row * n;
                for (int b = 0; b <= a; b++) hqq[rowStart + moving[b]] += j0 * mjq[b] + j1 * mjq[k + b] + j2 * mjq[2 * k + b];
                for (int col = 0; col < 3; col++) hqt[row * 3 + col] += j0 * c[col] + j1 * c[3 + col] + j2 * c[6 + col];
                if (scales)
                    for (int s = 0; s < g; s++) hqb[row * g + s] += j0 * mjb[s] + j1 * mjb[g + s] + j2 * mjb[2 * g + s];
            }
            if (scales)
                for (int s = 0; s < g; s++)
                {
                    double b0 = jb[s], b1 = jb[g + s], b2 = jb[2 * g + s];
                    for (int a = 0; a < 3; a++) eq.OffsetScale[(t * 3 + a) * g + s] += c[a * 3] * b0 + c[a * 3 + 1] * b1 + c[a * 3 + 2] * b2;
                    subject.ScaleGradient[s] += b0 * g0 + b1 * g1 + b2 * g2;
                    for (int u = 0; u <= s; u++)
                    {
                        double h = b0 * mjb[u] + b1 * mjb[g + u] + b2 * mjb[2 * g + u];
                        subject.ScaleScale[s * g + u] += h;
                        if (u != s) subject.ScaleScale[u * g + s] += h;
                    }
                }
        }
        if (!offsets) return;
        ReadOnlySpan<double> jd = siteOffsetJacobians.AsSpan(site * 9, 9);
        Span<double> mjd = stackalloc double[9];
        MultiplyRows(m, 3, jd, 3, mjd);
        for (int a = 0; a < 3; a++)
        {
            subject.SiteOffsetGradient[site * 3 + a] += jd[a] * gp[0] + jd[3 + a] * gp[1] + jd[6 + a] * gp[2];
            for (int b = 0; b < 3; b++)
                subject.SiteOffsetSiteOffset[site * 9 + a * 3 + b] += jd[a] * mjd[b] + jd[3 + a] * mjd[3 + b] + jd[6 + a] * mjd[6 + b];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Add(Span<double> target, ReadOnlySpan<double> values)
    {
        for (int i = 0; i < values.Length; i++) target[i] += values[i];
    }

    /// <summary>Camera-frame position of a site and, on request, its camera-frame Jacobians; once per site and frame.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Prepare(int site, bool withJacobians)
    {
        int state = siteStamp[site];
        bool havePosition = state == stamp || state == -stamp;
        if (!havePosition)
        {
            (double x, double y, double z) = Problem.SiteInCamera(Workspace.SitePositionsMetres, site);
            siteCameraPositions[site * 3] = x; siteCameraPositions[site * 3 + 1] = y; siteCameraPositions[site * 3 + 2] = z;
            siteStamp[site] = -stamp;
        }
        if (!withJacobians || siteStamp[site] == stamp) return;
        ReadOnlySpan<double> r = Problem.WorldToCamera;
        int n = coordinates, g = scaleGroups, k = model.CoordinatesMovingSite(site).Length;
        bool allUnknowns = Equations is not null;
        if (allUnknowns)
        {
            Kinematics.SiteJacobianCoordinatesCompact(model, Workspace, site, worldJacobian);
            RotateRows(r, worldJacobian, k, siteCoordinateJacobians.AsSpan(site * 3 * n, 3 * k));
        }
        if (allUnknowns && (Unknowns & FitUnknowns.ScaleIncrements) != 0)
        {
            Kinematics.SiteJacobianScales(model, Workspace, site, worldJacobian);
            RotateRows(r, worldJacobian, g, siteScaleJacobians.AsSpan(site * 3 * g, 3 * g));
        }
        if ((Unknowns & FitUnknowns.SiteOffsets) != 0)
            RotateRows(r, Workspace.BodyRotations.AsSpan(model.SiteBody[site] * 9, 9), 3, siteOffsetJacobians.AsSpan(site * 9, 9));
        siteStamp[site] = stamp;
    }

    /// <summary>result (3 x columns) = R (3x3) · m (3 x columns), all row-major.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RotateRows(ReadOnlySpan<double> r, ReadOnlySpan<double> m, int columns, Span<double> result)
    {
        for (int row = 0; row < 3; row++)
            for (int c = 0; c < columns; c++)
                result[row * columns + c] = r[row * 3] * m[c] + r[row * 3 + 1] * m[columns + c] + r[row * 3 + 2] * m[2 * columns + c];
    }

    /// <summary>result (rows x columns) = a (rows x 3) · m (3 x columns), all row-major.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyRows(ReadOnlySpan<double> a, int rows, ReadOnlySpan<double> m, int columns, Span<double> result)
    {
        for (int row = 0; row < rows; row++)
            for (int c = 0; c < columns; c++)
                result[row * columns + c] = a[row * 3] * m[c] + a[row * 3 + 1] * m[columns + c] + a[row * 3 + 2] * m[2 * columns + c];
    }
}
