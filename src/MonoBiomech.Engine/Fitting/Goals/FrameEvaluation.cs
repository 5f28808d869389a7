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
/// add residual blocks to the normal equations.
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
    private readonly double[] residualCoordinateJacobian; // [rows ≤ 3, moving coordinates]
    private readonly double[] residualScaleJacobian;      // [rows, g]
    private readonly double[] residualOffsetJacobian;     // [rows, 3]
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
        residualCoordinateJacobian = new double[3 * coordinates];
        residualScaleJacobian = new double[3 * scaleGroups];
        residualOffsetJacobian = new double[9];
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
    public void Begin(VideoFitProblem problem, VideoFitState state, SubjectFitState subject, int frame, FitUnknowns unknowns,
        VideoNormalEquations? equations, SubjectNormalEquations? subjectPartial)
    {
        Problem = problem;
        State = state;
        Frame = frame;
        Unknowns = unknowns;
        Equations = equations;
        SubjectPartial = subjectPartial;
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
    /// </summary>
    public void AddResidual(int site, ReadOnlySpan<double> residual, int rows, ReadOnlySpan<double> pointJacobian, double weight,
        bool includesKeypointOffset)
    {
        bool identity = pointJacobian.IsEmpty;
        if (identity && rows != 3) throw new ArgumentException("An identity point Jacobian needs a 3-row residual.", nameof(pointJacobian));
        SubjectNormalEquations subject = SubjectPartial ?? throw new InvalidOperationException("Residual blocks are only added when building the normal equations.");
        VideoNormalEquations? eq = Equations;
        Prepare(site, withJacobians: true);
        int n = coordinates, g = scaleGroups, t = Frame;
        ReadOnlySpan<int> moving = model.CoordinatesMovingSite(site);
        int k = moving.Length;
        bool offsets = (Unknowns & FitUnknowns.SiteOffsets) != 0;
        if (eq is null)
        {
            if (!offsets) return;
            Span<double> jdOnly = residualOffsetJacobian.AsSpan(0, rows * 3);
            if (identity) siteOffsetJacobians.AsSpan(site * 9, 9).CopyTo(jdOnly);
            else MultiplyRows(pointJacobian, rows, siteOffsetJacobians.AsSpan(site * 9, 9), 3, jdOnly);
            AddSiteOffsetBlocks(site, residual, rows, jdOnly, weight, subject);
            return;
        }
        bool scales = (Unknowns & FitUnknowns.ScaleIncrements) != 0;
        // The residual's Jacobians: ∂e/∂p times the site's camera-frame Jacobians (the site's own ones for the identity).
        ReadOnlySpan<double> jq, jb, jd;
        if (identity)
        {
            jq = siteCoordinateJacobians.AsSpan(site * 3 * n, 3 * k);
            jb = siteScaleJacobians.AsSpan(site * 3 * g, 3 * g);
            jd = siteOffsetJacobians.AsSpan(site * 9, 9);
        }
        else
        {
            Span<double> q = residualCoordinateJacobian.AsSpan(0, rows * k), b = residualScaleJacobian.AsSpan(0, rows * g), d = residualOffsetJacobian.AsSpan(0, rows * 3);
            MultiplyRows(pointJacobian, rows, siteCoordinateJacobians.AsSpan(site * 3 * n, 3 * k), k, q);
            if (scales) MultiplyRows(pointJacobian, rows, siteScaleJacobians.AsSpan(site * 3 * g, 3 * g), g, b);
            if (offsets) MultiplyRows(pointJacobian, rows, siteOffsetJacobians.AsSpan(site * 9, 9), 3, d);
            jq = q; jb = b; jd = d;
        }

        double[] hqq = eq.CoordinateCoordinate, gq = eq.CoordinateGradient, hqt = eq.CoordinateOffset, hqb = eq.CoordinateScale;
        for (int a = 0; a < k; a++)
        {
            int ca = moving[a];
            double gradient = 0;
            for (int row = 0; row < rows; row++) gradient += jq[row * k + a] * residual[row];
            gq[t * n + ca] += weight * gradient;
            for (int b = 0; b <= a; b++)
            {
                double h = 0;
                for (int row = 0; row < rows; row++) h += jq[row * k + a] * jq[row * k + b];
                h *= weight;
                int cb = moving[b];
                hqq[(t * n + ca) * n + cb] += h;
                if (ca != cb) hqq[(t * n + cb) * n + ca] += h;
            }
            if (includesKeypointOffset)
                for (int c = 0; c < 3; c++)
                {
                    double h = 0;
                    if (identity) h = jq[c * k + a];
                    else for (int row = 0; row < rows; row++) h += jq[row * k + a] * pointJacobian[row * 3 + c];
                    hqt[(t * n + ca) * 3 + c] += weight * h;
                }
            if (scales)
                for (int s = 0; s < g; s++)
                {
                    double h = 0;
                    for (int row = 0; row < rows; row++) h += jq[row * k + a] * jb[row * g + s];
                    hqb[(t * n + ca) * g + s] += weight * h;
                }
        }
        if (includesKeypointOffset)
        {
            for (int a = 0; a < 3; a++)
            {
                double gradient = 0;
                if (identity) gradient = residual[a];
                else for (int row = 0; row < rows; row++) gradient += pointJacobian[row * 3 + a] * residual[row];
                eq.OffsetGradient[t * 3 + a] += weight * gradient;
                for (int b = 0; b < 3; b++)
                {
                    double h = 0;
                    if (identity) h = a == b ? 1 : 0;
                    else for (int row = 0; row < rows; row++) h += pointJacobian[row * 3 + a] * pointJacobian[row * 3 + b];
                    eq.OffsetOffset[t * 9 + a * 3 + b] += weight * h;
                }
                if (scales)
                    for (int s = 0; s < g; s++)
                    {
                        double h = 0;
                        if (identity) h = jb[a * g + s];
                        else for (int row = 0; row < rows; row++) h += pointJacobian[row * 3 + a] * jb[row * g + s];
                        eq.OffsetScale[(t * 3 + a) * g + s] += weight * h;
                    }
            }
        }
        if (scales)
            for (int s = 0; s < g; s++)
            {
                double gradient = 0;
                for (int row = 0; row < rows; row++) gradient += jb[row * g + s] * residual[row];
                subject.ScaleGradient[s] += weight * gradient;
                for (int u = 0; u <= s; u++)
                {
                    double h = 0;
                    for (int row = 0; row < rows; row++) h += jb[row * g + s] * jb[row * g + u];
                    h *= weight;
                    subject.ScaleScale[s * g + u] += h;
                    if (u != s) subject.ScaleScale[u * g + s] += h;
                }
            }
        if (offsets) AddSiteOffsetBlocks(site, residual, rows, jd, weight, subject);
    }

    /// <summary>The residual block's part of Δ's 3x3 diagonal block and gradient (<paramref name="jd"/>: rows x 3, ∂e/∂Δ).</summary>
    private static void AddSiteOffsetBlocks(int site, ReadOnlySpan<double> residual, int rows, ReadOnlySpan<double> jd, double weight, SubjectNormalEquations subject)
    {
        for (int a = 0; a < 3; a++)
        {
            double gradient = 0;
            for (int row = 0; row < rows; row++) gradient += jd[row * 3 + a] * residual[row];
            subject.SiteOffsetGradient[site * 3 + a] += weight * gradient;
            for (int b = 0; b < 3; b++)
            {
                double h = 0;
                for (int row = 0; row < rows; row++) h += jd[row * 3 + a] * jd[row * 3 + b];
                subject.SiteOffsetSiteOffset[site * 9 + a * 3 + b] += weight * h;
            }
        }
    }

    /// <summary>Camera-frame position of a site and, on request, its camera-frame Jacobians; once per site and frame.</summary>
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
    private static void RotateRows(ReadOnlySpan<double> r, ReadOnlySpan<double> m, int columns, Span<double> result)
    {
        for (int row = 0; row < 3; row++)
            for (int c = 0; c < columns; c++)
                result[row * columns + c] = r[row * 3] * m[c] + r[row * 3 + 1] * m[columns + c] + r[row * 3 + 2] * m[2 * columns + c];
    }

    /// <summary>result (rows x columns) = a (rows x 3) · m (3 x columns), all row-major.</summary>
    private static void MultiplyRows(ReadOnlySpan<double> a, int rows, ReadOnlySpan<double> m, int columns, Span<double> result)
    {
        for (int row = 0; row < rows; row++)
            for (int c = 0; c < columns; c++)
                result[row * columns + c] = a[row * 3] * m[c] + a[row * 3 + 1] * m[columns + c] + a[row * 3 + 2] * m[2 * columns + c];
    }
}
