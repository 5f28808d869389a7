using System.Collections.Concurrent;
using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Fitting;

namespace MonoBiomech.Engine.Fitting;

/// <summary>What a solver stage fits: the initialisation runs with fewer terms and unknowns than the final solve.</summary>
internal sealed record FitStage(string Name, bool Use2d, bool SolveScales, bool FreezeSlides, bool FitSiteOffsets, int MaxIterations);

/// <summary>
/// The robust Levenberg-Marquardt fit of all videos of one subject: per-frame coordinates and τ per video, body scales β
/// shared (Schur complement), site offsets Δ shared (alternating closed-form 3x3 steps).
/// </summary>
/// <remarks>
/// Cost (one term per video v, C_v = Σ confidence, upstream's normalisation):
/// F = Σ_v (1/C_v)·[ Σ c·ρ₃(‖100·(R·x + τ_t − X)‖ cm) + w₂·Σ c·ρ₂(‖π(R·x) − u‖ px) + ½·σ_n²·Σ_t Σ_d (q̈_td/σ_a)² + ε·‖100τ‖² ]
///     + ½‖β/σ_β‖²/87 + N_videos·λ_Δ·‖Δ‖².
/// σ_n² (cm², estimated per video from the keypoints) makes the prior a proper Gaussian against upstream's unit-variance
/// data term: clean keypoints are smoothed little, noisy ones more, with one setting σ_a.
/// Per-frame coordinates with an acceleration prior (a Whittaker smoother) instead of a B-spline: the normal matrix stays
/// block-banded (bandwidth 2), frames without detections are bridged by the prior, the smoothing strength adapts to how
/// well each DoF is observed, and no basis-fitting step is needed. τ_t replaces upstream's per-frame centring so one
/// outlier keypoint does not shift all others; it is eliminated per frame (3x3 Schur) before the banded solve.
/// Joint limits are honoured by projection with an active set (a coordinate at a bound whose gradient points out is held
/// fixed for that step) rather than upstream's tanh map, whose vanishing gradient can trap joints at their limits.
/// </remarks>
internal sealed class SubjectFit : IDisposable
{
    private const double TranslationPriorPerSquareCentimetre = 1e-4;
    private const double SlideAccelerationSigmaRatio = 0.1;

    private readonly BodyModel model;
    private readonly BiomechFitSettings settings;
    private readonly VideoState[] videos;
    private readonly int n, groups, sites;
    private readonly double[] scales, offsets;
    private readonly ParallelOptions parallel;
    private readonly ThreadLocal<FrameWorkspace> workspaces;

    // Subject-level normal equations: β block and per-site Δ 3x3 blocks.
    private readonly double[] hbb, gb, hdd, gd;
    private readonly object globalLock = new();

    public SubjectFit(BodyModel model, IReadOnlyList<VideoState> videos, BiomechFitSettings settings, CancellationToken cancellationToken)
    {
        this.model = model;
        this.settings = settings;
        this.videos = videos.ToArray();
        n = model.CoordinateCount;
        groups = model.ScaleGroupCount;
        sites = model.SiteCount;
        scales = new double[groups];
        offsets = new double[sites * 3];
        hbb = new double[groups * groups];
        gb = new double[groups];
        hdd = new double[sites * 9];
        gd = new double[sites * 3];
        parallel = new ParallelOptions
        {
            CancellationToken = cancellationToken,
            MaxDegreeOfParallelism = settings.MaxDegreeOfParallelism > 0 ? settings.MaxDegreeOfParallelism : -1,
        };
        workspaces = new ThreadLocal<FrameWorkspace>(() => new FrameWorkspace(model));
    }

    public double[] Scales => scales;
    public double[] Offsets => offsets;
    public IReadOnlyList<VideoState> Videos => videos;
    public int Iterations { get; private set; }
    public bool Converged { get; private set; }
    public double FinalCost { get; private set; }

    /// <summary>∂F/∂β from the last building <see cref="Evaluate"/> (for gradient checks).</summary>
    internal ReadOnlySpan<double> ScaleGradient => gb;

    /// <summary>∂F/∂Δ (data terms only; the prior's 2λΔ is added in the Δ step) from the last building <see cref="Evaluate"/>.</summary>
    internal ReadOnlySpan<double> SiteOffsetDataGradient => gd;

    public void Dispose() => workspaces.Dispose();

    /// <summary>Runs one stage of damped Gauss-Newton; returns the final cost.</summary>
    public double Run(FitStage stage, IProgress<FitProgress>? progress)
    {
        CancellationToken token = parallel.CancellationToken;
        double cost = Evaluate(stage, build: true);
        double mu = 1e-3, nu = 2;
        bool offsetsActive = stage.FitSiteOffsets && settings.FitSiteOffsets;
        Converged = false;
        for (int iteration = 1; iteration <= stage.MaxIterations; iteration++)
        {
            token.ThrowIfCancellationRequested();
            Iterations++;
            bool accepted = false;
            double previous = cost;

            foreach (VideoState v in videos)
            {
                Array.Copy(v.Coordinates, v.SavedCoordinates, v.Coordinates.Length);
                Array.Copy(v.Translation, v.SavedTranslation, v.Translation.Length);
            }
            var savedB = (double[])scales.Clone();
            for (int attempt = 0; attempt < 12 && !accepted; attempt++)
            {
                token.ThrowIfCancellationRequested();
                if (TrySolveAndApply(stage, mu))
                {
                    double trial = Evaluate(stage, build: false);
                    if (trial < cost)
                    {
                        accepted = true;
                        cost = trial;
                        mu = Math.Max(mu / 3, 1e-9);
                        nu = 2;
                        break;
                    }
                }
                foreach (VideoState v in videos)
                {
                    Array.Copy(v.SavedCoordinates, v.Coordinates, v.Coordinates.Length);
                    Array.Copy(v.SavedTranslation, v.Translation, v.Translation.Length);
                }
                Array.Copy(savedB, scales, groups);
                mu *= nu;
                nu *= 2;
            }

            if (accepted && offsetsActive)
            {
                // Δ is stiff (strong prior) and settles early; once its step gains next to nothing, stop paying two evaluations for it.
                Evaluate(stage, build: true);
                double before = cost;
                cost = StepSiteOffsets(stage, cost);
                offsetsActive = before - cost > 10 * settings.Tolerance * before;
            }

            progress?.Report(new FitProgress(iteration, stage.MaxIterations, cost, stage.Name));
            if (!accepted || (previous - cost) <= settings.Tolerance * Math.Max(previous, 1e-300))
            {
                Converged = true;
                break;
            }
            cost = Evaluate(stage, build: true);
        }
        FinalCost = cost;
        return cost;
    }

    /// <summary>
    /// One block-coordinate Gauss-Newton step on Δ from freshly built normal equations (each site's 3x3 system is
    /// independent given the pose); kept only if it lowers the cost. Alternating like this converged in fewer iterations
    /// than adding the Δ step to the main step (block-Jacobi) or reusing the main step's stale linearisation.
    /// </summary>
    private double StepSiteOffsets(FitStage stage, double cost)
    {
        var saved = (double[])offsets.Clone();
        double prior = 2 * settings.SiteOffsetPriorWeight * videos.Length;
        Span<double> a = stackalloc double[9];
        Span<double> b = stackalloc double[3];
        for (int s = 0; s < sites; s++)
        {
            for (int i = 0; i < 9; i++) a[i] = hdd[s * 9 + i];
            for (int i = 0; i < 3; i++) { a[i * 4] += prior; b[i] = -(gd[s * 3 + i] + prior * offsets[s * 3 + i]); }
            if (!SmallDense.SolveSpd(a, b, 3)) continue;
            for (int i = 0; i < 3; i++) offsets[s * 3 + i] += b[i];
        }
        double trial = Evaluate(stage, build: false);
        if (trial < cost) return trial;
        Array.Copy(saved, offsets, offsets.Length);
        return cost;
    }

    /// <summary>The total cost; with <paramref name="build"/> also the normal equations at the current point.</summary>
    public double Evaluate(FitStage stage, bool build)
    {
        if (build)
        {
            Array.Clear(hbb); Array.Clear(gb); Array.Clear(hdd); Array.Clear(gd);
        }
        double total = 0;
        foreach (VideoState video in videos)
        {
            var partial = new ConcurrentBag<double>();
            var ranges = System.Collections.Concurrent.Partitioner.Create(0, video.FrameCount, Math.Max(8, video.FrameCount / 64));
            Parallel.ForEach(ranges, parallel, () => new ThreadTotals(groups, sites, build),
                (range, _, totals) =>
                {
                    FrameWorkspace ws = workspaces.Value!;
                    for (int t = range.Item1; t < range.Item2; t++)
                        totals.Cost += EvaluateFrame(video, t, stage, build, ws, totals);
                    return totals;
                },
                totals =>
                {
                    partial.Add(totals.Cost);
                    if (!build) return;
                    lock (globalLock)
                    {
                        for (int i = 0; i < hbb.Length; i++) hbb[i] += totals.Hbb[i];
                        for (int i = 0; i < gb.Length; i++) gb[i] += totals.Gb[i];
                        for (int i = 0; i < hdd.Length; i++) hdd[i] += totals.Hdd[i];
                        for (int i = 0; i < gd.Length; i++) gd[i] += totals.Gd[i];
                    }
                });
            total += partial.Sum();
        }
        total += AddPriors(build);
        return total;
    }

    /// <summary>Acceleration prior (per video), weak β prior and Δ prior; adds their gradients when building.</summary>
    private double AddPriors(bool build)
    {
        double cost = 0;
        double sigma = settings.AccelerationSigma;
        foreach (VideoState video in videos)
        {
            double w = video.InverseConfidenceSum;
            double[] q = video.Coordinates;
            for (int t = 1; t + 1 < video.FrameCount; t++)
            {
                (double a, double b, double c) = SecondDifference(video, t);
                for (int d = 0; d < n; d++)
                {
                    double weight = w * video.NoiseVarianceSquareCentimetres / Square(AccelerationSigma(d, sigma));
                    double acceleration = a * q[(t - 1) * n + d] + b * q[t * n + d] + c * q[(t + 1) * n + d];
                    cost += 0.5 * weight * acceleration * acceleration;
                    if (!build) continue;
                    double g = weight * acceleration;
                    video.Gq[(t - 1) * n + d] += g * a;
                    video.Gq[t * n + d] += g * b;
                    video.Gq[(t + 1) * n + d] += g * c;
                }
            }
        }
        double betaWeight = 1.0 / (Square(settings.BodyScaleSigma) * 87);
        for (int g = 0; g < groups; g++)
        {
            cost += 0.5 * betaWeight * scales[g] * scales[g];
            if (build) { gb[g] += betaWeight * scales[g]; hbb[g * groups + g] += betaWeight; }
        }
        if (settings.FitSiteOffsets)
        {
            double lambda = settings.SiteOffsetPriorWeight * videos.Length;
            for (int i = 0; i < offsets.Length; i++) cost += lambda * offsets[i] * offsets[i];
        }
        return cost;
    }

    private double AccelerationSigma(int coordinate, double sigma) =>
        model.Coordinates[coordinate].Kind == CoordinateKind.Slide ? sigma * SlideAccelerationSigmaRatio : sigma;

    /// <summary>Coefficients of the second derivative at frame t from frames t−1, t, t+1 (non-uniform spacing allowed).</summary>
    private static (double A, double B, double C) SecondDifference(VideoState video, int t)
    {
        double h0 = Math.Max(video.Timestamps[t] - video.Timestamps[t - 1], 1e-6);
        double h1 = Math.Max(video.Timestamps[t + 1] - video.Timestamps[t], 1e-6);
        double a = 2 / (h0 * (h0 + h1)), c = 2 / (h1 * (h0 + h1));
        return (a, -(a + c), c);
    }

    private double EvaluateFrame(VideoState video, int t, FitStage stage, bool build, FrameWorkspace ws, ThreadTotals totals)
    {
        double[] q = video.Coordinates;
        Kinematics.Forward(model, q.AsSpan(t * n, n), scales, offsets, ws.Kinematics);
        double[] x = ws.Kinematics.SitePositionsMetres;
        double[] r = video.WorldToCamera;
        double invC = video.InverseConfidenceSum;
        int jointCount = video.JointCount;
        double tx = video.Translation[t * 3], ty = video.Translation[t * 3 + 1], tz = video.Translation[t * 3 + 2];
        double delta3 = settings.Huber3dCentimetres, delta2 = settings.Huber2dPixels;
        double w2 = stage.Use2d ? settings.Weight2d : 0;
        double cost = 0;

        if (build)
        {
            video.Hqq.AsSpan(t * n * n, n * n).Clear();
            video.Hqt.AsSpan(t * n * 3, n * 3).Clear();
            video.Htt.AsSpan(t * 9, 9).Clear();
            video.Hqb.AsSpan(t * n * groups, n * groups).Clear();
            video.Htb.AsSpan(t * 3 * groups, 3 * groups).Clear();
            video.Gq.AsSpan(t * n, n).Clear();
            video.Gt.AsSpan(t * 3, 3).Clear();
        }

        // Weak prior on τ: keeps its 3x3 block invertible in frames without 3D keypoints.
        double tauWeight = TranslationPriorPerSquareCentimetre * invC * 1e4;
        cost += 0.5 * tauWeight * (tx * tx + ty * ty + tz * tz);
        if (build)
            for (int a = 0; a < 3; a++) { video.Htt[t * 9 + a * 4] += tauWeight; video.Gt[t * 3 + a] += tauWeight * video.Translation[t * 3 + a]; }

        Span<double> e = stackalloc double[3];
        Span<double> proj = stackalloc double[6];
        for (int j = 0; j < jointCount; j++)
        {
            double confidence = video.Confidence[t * jointCount + j];
            int site = video.SiteOfKeypoint[j];
            if (confidence <= 0 || site < 0) continue;
            int o3 = (t * jointCount + j) * 3;
            (double px, double py, double pz) = video.SiteInCamera(x, site);

            e[0] = 100 * (px + tx - video.Observed3dMetres[o3]);
            e[1] = 100 * (py + ty - video.Observed3dMetres[o3 + 1]);
            e[2] = 100 * (pz + tz - video.Observed3dMetres[o3 + 2]);
            double norm3 = Math.Sqrt(e[0] * e[0] + e[1] * e[1] + e[2] * e[2]);
            cost += confidence * invC * Huber.Loss(norm3, delta3);

            bool has2d = w2 > 0 && pz > CameraProjection.MinimumDepthMetres;
            double e2u = 0, e2v = 0, norm2 = 0;
            if (has2d)
            {
                (double u, double v) = CameraProjection.Project(video.Camera, px, py, pz, proj);
                e2u = u - video.Observed2dPixels[(t * jointCount + j) * 2];
                e2v = v - video.Observed2dPixels[(t * jointCount + j) * 2 + 1];
                norm2 = Math.Sqrt(e2u * e2u + e2v * e2v);
                cost += w2 * confidence * invC * Huber.Loss(norm2, delta2);
            }
            if (!build) continue;

            // Camera-frame Jacobian of the site: G = R · ∂x/∂q on the coordinates that move it.
            ReadOnlySpan<int> cols = model.CoordinatesMovingSite(site);
            int k = cols.Length;
            Kinematics.SiteJacobianCoordinates(model, ws.Kinematics, site, ws.JacobianQ);
            Span<double> gq = ws.CameraJacobianQ.AsSpan(0, 3 * k);
            for (int a = 0; a < k; a++)
            {
                int c = cols[a];
                double j0 = ws.JacobianQ[c], j1 = ws.JacobianQ[n + c], j2 = ws.JacobianQ[2 * n + c];
                gq[a] = r[0] * j0 + r[1] * j1 + r[2] * j2;
                gq[k + a] = r[3] * j0 + r[4] * j1 + r[5] * j2;
                gq[2 * k + a] = r[6] * j0 + r[7] * j1 + r[8] * j2;
            }
            Span<double> gbeta = ws.CameraJacobianB;
            if (stage.SolveScales)
            {
                Kinematics.SiteJacobianScales(model, ws.Kinematics, site, ws.JacobianB);
                MultiplyRotation(r, ws.JacobianB, gbeta, groups);
            }
            Span<double> gdelta = ws.CameraJacobianD;
            if (stage.FitSiteOffsets)
                MultiplyRotation(r, ws.Kinematics.BodyRotations.AsSpan(model.SiteBody[site] * 9, 9), gdelta, 3);

            // 3D rows: ∂e/∂(q, τ, β, Δ) = 100·(G, I, Gβ, GΔ).
            double w3 = confidence * invC * Huber.Weight(norm3, delta3) * 1e4;
            Accumulate(video, t, cols, gq, k, 3, e, w3, includeTranslation: true, stage, gbeta, gdelta, site, totals);

            if (has2d)
            {
                // 2D rows: ∂π/∂P · G.
                Span<double> p2 = ws.ProjectedJacobianQ.AsSpan(0, 2 * k);
                for (int row = 0; row < 2; row++)
                    for (int a = 0; a < k; a++)
                        p2[row * k + a] = proj[row * 3] * gq[a] + proj[row * 3 + 1] * gq[k + a] + proj[row * 3 + 2] * gq[2 * k + a];
                Span<double> pb = ws.ProjectedJacobianB, pd = ws.ProjectedJacobianD;
                if (stage.SolveScales) Project2(proj, gbeta, pb, groups);
                if (stage.FitSiteOffsets) Project2(proj, gdelta, pd, 3);
                e[0] = e2u; e[1] = e2v;
                double wp = w2 * confidence * invC * Huber.Weight(norm2, delta2);
                // Stored Jacobians are unscaled; the 3D path folds its 100 cm/m into the weight, so pass 1 here.
                Accumulate(video, t, cols, p2, k, 2, e, wp, includeTranslation: false, stage, pb, pd, site, totals, unitScale: 1);
            }
        }
        return cost;
    }

    /// <summary>
    /// Adds W·JᵀJ and W·Jᵀe of one residual block to the frame's blocks. J rows are <paramref name="unitScale"/>⁻¹·(stored rows):
    /// for the 3D block the stored rows are in metres and e in cm, so J = 100·G and W already carries 100².
    /// </summary>
    private void Accumulate(VideoState video, int t, ReadOnlySpan<int> cols, ReadOnlySpan<double> jq, int k, int rows, ReadOnlySpan<double> e,
        double weight, bool includeTranslation, FitStage stage, ReadOnlySpan<double> jb, ReadOnlySpan<double> jd, int site, ThreadTotals totals,
        double unitScale = 100)
    {
        // Gradient uses J·e with J = unitScale·G, while weight already holds unitScale² (3D) → use weight/unitScale for Jᵀe.
        double gradientWeight = weight / unitScale;
        int hq = t * n * n, hqt = t * n * 3, hqb = t * n * groups;
        double[] hqq = video.Hqq, gqv = video.Gq;
        for (int a = 0; a < k; a++)
        {
            int ca = cols[a];
            double ga = 0;
            for (int row = 0; row < rows; row++) ga += jq[row * k + a] * e[row];
            gqv[t * n + ca] += gradientWeight * ga;
            for (int b = 0; b <= a; b++)
            {
                double h = 0;
                for (int row = 0; row < rows; row++) h += jq[row * k + a] * jq[row * k + b];
                h *= weight;
                int cb = cols[b];
                hqq[hq + ca * n + cb] += h;
                if (ca != cb) hqq[hq + cb * n + ca] += h;
            }
            if (includeTranslation)
                for (int row = 0; row < 3; row++) video.Hqt[hqt + ca * 3 + row] += weight * jq[row * k + a];
            if (stage.SolveScales)
                for (int g = 0; g < groups; g++)
                {
                    double h = 0;
                    for (int row = 0; row < rows; row++) h += jq[row * k + a] * jb[row * groups + g];
                    video.Hqb[hqb + ca * groups + g] += weight * h;
                }
        }
        if (includeTranslation)
        {
            for (int row = 0; row < 3; row++)
            {
                video.Htt[t * 9 + row * 4] += weight;
                video.Gt[t * 3 + row] += gradientWeight * e[row];
                if (stage.SolveScales)
                    for (int g = 0; g < groups; g++) video.Htb[t * 3 * groups + row * groups + g] += weight * jb[row * groups + g];
            }
        }
        if (stage.SolveScales)
        {
            for (int g = 0; g < groups; g++)
            {
                double ge = 0;
                for (int row = 0; row < rows; row++) ge += jb[row * groups + g] * e[row];
                totals.Gb[g] += gradientWeight * ge;
                for (int h = 0; h < groups; h++)
                {
                    double v = 0;
                    for (int row = 0; row < rows; row++) v += jb[row * groups + g] * jb[row * groups + h];
                    totals.Hbb[g * groups + h] += weight * v;
                }
            }
        }
        if (stage.FitSiteOffsets)
        {
            for (int a = 0; a < 3; a++)
            {
                double ge = 0;
                for (int row = 0; row < rows; row++) ge += jd[row * 3 + a] * e[row];
                totals.Gd[site * 3 + a] += gradientWeight * ge;
                for (int b = 0; b < 3; b++)
                {
                    double v = 0;
                    for (int row = 0; row < rows; row++) v += jd[row * 3 + a] * jd[row * 3 + b];
                    totals.Hdd[site * 9 + a * 3 + b] += weight * v;
                }
            }
        }
    }

    private static void MultiplyRotation(ReadOnlySpan<double> r, ReadOnlySpan<double> j, Span<double> result, int columns)
    {
        for (int row = 0; row < 3; row++)
            for (int c = 0; c < columns; c++)
                result[row * columns + c] = r[row * 3] * j[c] + r[row * 3 + 1] * j[columns + c] + r[row * 3 + 2] * j[2 * columns + c];
    }

    private static void Project2(ReadOnlySpan<double> proj, ReadOnlySpan<double> j, Span<double> result, int columns)
    {
        for (int row = 0; row < 2; row++)
            for (int c = 0; c < columns; c++)
                result[row * columns + c] = proj[row * 3] * j[c] + proj[row * 3 + 1] * j[columns + c] + proj[row * 3 + 2] * j[2 * columns + c];
    }

    /// <summary>Solves the damped normal equations and applies the (projected) step. False if the system is not positive definite.</summary>
    private bool TrySolveAndApply(FitStage stage, double mu)
    {
        double[] sbb = new double[groups * groups];
        double[] rb = new double[groups];
        for (int i = 0; i < groups * groups; i++) sbb[i] = hbb[i];
        for (int g = 0; g < groups; g++) { rb[g] = -gb[g]; sbb[g * groups + g] *= 1 + mu; sbb[g * groups + g] += 1e-12; }

        var perVideo = new (double[] Y, double[][] X, double[] Hqb, double[] InvTtt)[videos.Length];
        for (int vi = 0; vi < videos.Length; vi++)
        {
            VideoState video = videos[vi];
            if (!AssembleVideo(video, stage, mu, out double[] gq, out double[] hqbReduced, out double[] invTtt, sbb, rb)) return false;
            // y = A⁻¹·g_q, X = A⁻¹·H_qβ in one sweep of the factor.
            int dimension = video.FrameCount * n;
            double[][] xs = stage.SolveScales ? video.SchurColumns : Array.Empty<double[]>();
            for (int g = 0; g < xs.Length; g++)
                for (int i = 0; i < dimension; i++) xs[g][i] = hqbReduced[i * groups + g];
            video.Banded!.Solve(xs.Prepend(gq).ToArray());
            // S −= H_βqᵀ·X,  rhs += H_βqᵀ·y  (rhs = −g_β + H_βq·A⁻¹·g_q)
            for (int g = 0; g < xs.Length; g++)
                for (int h = 0; h < groups; h++)
                {
                    double s = 0;
                    for (int i = 0; i < dimension; i++) s += hqbReduced[i * groups + h] * xs[g][i];
                    sbb[h * groups + g] -= s;
                }
            if (stage.SolveScales)
                for (int h = 0; h < groups; h++)
                {
                    double s = 0;
                    for (int i = 0; i < dimension; i++) s += hqbReduced[i * groups + h] * gq[i];
                    rb[h] += s;
                }
            perVideo[vi] = (gq, xs, hqbReduced, invTtt);
        }

        double[] deltaBeta = new double[groups];
        Span<double> rhs = stackalloc double[3];
        if (stage.SolveScales)
        {
            Array.Copy(rb, deltaBeta, groups);
            if (!SmallDense.SolveSpd(sbb, deltaBeta, groups)) return false;
        }

        for (int vi = 0; vi < videos.Length; vi++)
        {
            VideoState video = videos[vi];
            (double[] y, double[][] xs, _, double[] invTtt) = perVideo[vi];
            int dimension = video.FrameCount * n;
            double[] dq = video.Step;
            for (int i = 0; i < dimension; i++)
            {
                double v = -y[i];
                for (int g = 0; g < xs.Length; g++) v -= xs[g][i] * deltaBeta[g];
                dq[i] = video.Fixed[i] ? 0 : v;
            }
            // δτ_t = −T⁻¹·(g_τ + H_τq·δq_t + H_τβ·δβ)
            for (int t = 0; t < video.FrameCount; t++)
            {
                for (int a = 0; a < 3; a++)
                {
                    double v = video.Gt[t * 3 + a];
                    for (int d = 0; d < n; d++) v += video.Hqt[t * n * 3 + d * 3 + a] * dq[t * n + d];
                    if (stage.SolveScales)
                        for (int g = 0; g < groups; g++) v += video.Htb[t * 3 * groups + a * groups + g] * deltaBeta[g];
                    rhs[a] = v;
                }
                for (int a = 0; a < 3; a++)
                {
                    double v = 0;
                    for (int b = 0; b < 3; b++) v += invTtt[t * 9 + a * 3 + b] * rhs[b];
                    video.Translation[t * 3 + a] -= v;
                }
            }
            for (int t = 0; t < video.FrameCount; t++)
                for (int d = 0; d < n; d++)
                {
                    CoordinateDefinition c = model.Coordinates[d];
                    double value = video.Coordinates[t * n + d] + dq[t * n + d];
                    if (c.IsLimited) value = Math.Clamp(value, c.LowerLimit, c.UpperLimit);
                    video.Coordinates[t * n + d] = value;
                }
        }
        for (int g = 0; g < groups; g++) scales[g] += deltaBeta[g];
        return true;
    }

    /// <summary>
    /// Builds the banded matrix of one video: per-frame H_qq (τ eliminated), the acceleration prior, Marquardt damping,
    /// and fixed coordinates; factorises it. Adds the τ-eliminated β terms to <paramref name="sbb"/>/<paramref name="rb"/>.
    /// </summary>
    private bool AssembleVideo(VideoState video, FitStage stage, double mu, out double[] gq, out double[] hqbReduced, out double[] invTtt,
        double[] sbb, double[] rb)
    {
        int frames = video.FrameCount;
        video.Banded ??= new BlockBandedCholesky(frames, n, 2);
        BlockBandedCholesky banded = video.Banded;
        banded.Clear();
        gq = video.ReducedGq;
        hqbReduced = video.ReducedHqb;
        invTtt = video.InverseTtt;
        Array.Copy(video.Gq, gq, gq.Length);
        Array.Copy(video.Hqb, hqbReduced, hqbReduced.Length);
        double[] localGq = gq, localHqb = hqbReduced, localInv = invTtt;

        // Which coordinates are held: frozen slides, or at a bound with the descent direction pointing outside.
        for (int t = 0; t < frames; t++)
            for (int d = 0; d < n; d++)
            {
                CoordinateDefinition c = model.Coordinates[d];
                double value = video.Coordinates[t * n + d], g = video.Gq[t * n + d];
                bool frozen = stage.FreezeSlides && c.Kind == CoordinateKind.Slide;
                bool atBound = c.IsLimited && ((value <= c.LowerLimit + 1e-12 && g > 0) || (value >= c.UpperLimit - 1e-12 && g < 0));
                video.Fixed[t * n + d] = frozen || atBound;
            }

        // Diagonal blocks: copy, damp τ, eliminate τ (3x3 Schur complement per frame).
        var betaTerms = new ConcurrentBag<(double[] S, double[] R)>();
        Parallel.For(0, frames, parallel, () => (S: new double[groups * groups], R: new double[groups]), (t, _, acc) =>
        {
            Span<double> block = banded.Block(t, 0);
            video.Hqq.AsSpan(t * n * n, n * n).CopyTo(block);
            Span<double> ttt = stackalloc double[9];
            for (int i = 0; i < 9; i++) ttt[i] = video.Htt[t * 9 + i];
            for (int a = 0; a < 3; a++) ttt[a * 4] *= 1 + mu;
            Span<double> inv = localInv.AsSpan(t * 9, 9);
            SmallDense.InvertSpd3(ttt, inv);
            // K = H_qτ·T⁻¹ (n x 3)
            Span<double> kq = stackalloc double[n * 3];
            for (int d = 0; d < n; d++)
                for (int a = 0; a < 3; a++)
                {
                    double v = 0;
                    for (int b = 0; b < 3; b++) v += video.Hqt[t * n * 3 + d * 3 + b] * inv[b * 3 + a];
                    kq[d * 3 + a] = v;
                }
            for (int d = 0; d < n; d++)
            {
                double k0 = kq[d * 3], k1 = kq[d * 3 + 1], k2 = kq[d * 3 + 2];
                if (k0 == 0 && k1 == 0 && k2 == 0) continue;
                for (int e2 = 0; e2 < n; e2++)
                {
                    int o = t * n * 3 + e2 * 3;
                    block[d * n + e2] -= k0 * video.Hqt[o] + k1 * video.Hqt[o + 1] + k2 * video.Hqt[o + 2];
                }
                localGq[t * n + d] -= k0 * video.Gt[t * 3] + k1 * video.Gt[t * 3 + 1] + k2 * video.Gt[t * 3 + 2];
                if (stage.SolveScales)
                    for (int g = 0; g < groups; g++)
                        localHqb[(t * n + d) * groups + g] -= k0 * video.Htb[t * 3 * groups + g] + k1 * video.Htb[t * 3 * groups + groups + g]
                            + k2 * video.Htb[t * 3 * groups + 2 * groups + g];
            }
            Span<double> kb = stackalloc double[3];
            if (stage.SolveScales)
            {
                // β terms: S −= H_βτ·T⁻¹·H_τβ,  rhs += H_βτ·T⁻¹·g_τ (rhs holds −g_β).
                for (int g = 0; g < groups; g++)
                {
                    for (int a = 0; a < 3; a++)
                    {
                        double v = 0;
                        for (int b = 0; b < 3; b++) v += video.Htb[t * 3 * groups + b * groups + g] * inv[b * 3 + a];
                        kb[a] = v;
                    }
                    for (int h = 0; h < groups; h++)
                        acc.S[g * groups + h] -= kb[0] * video.Htb[t * 3 * groups + h] + kb[1] * video.Htb[t * 3 * groups + groups + h]
                            + kb[2] * video.Htb[t * 3 * groups + 2 * groups + h];
                    acc.R[g] += kb[0] * video.Gt[t * 3] + kb[1] * video.Gt[t * 3 + 1] + kb[2] * video.Gt[t * 3 + 2];
                }
            }
            return acc;
        }, acc => betaTerms.Add(acc));
        foreach ((double[] s, double[] r) in betaTerms)
        {
            for (int i = 0; i < s.Length; i++) sbb[i] += s[i];
            for (int i = 0; i < r.Length; i++) rb[i] += r[i];
        }

        // Acceleration prior: a_t = α q_{t−1} + β q_t + γ q_{t+1} couples frames two apart (block bandwidth 2).
        double sigma = settings.AccelerationSigma;
        Span<double> coefficients = stackalloc double[3];
        for (int t = 1; t + 1 < frames; t++)
        {
            (double a, double b, double c) = SecondDifference(video, t);
            coefficients[0] = a; coefficients[1] = b; coefficients[2] = c;
            for (int d = 0; d < n; d++)
            {
                double weight = video.InverseConfidenceSum * video.NoiseVarianceSquareCentimetres / Square(AccelerationSigma(d, sigma));
                for (int i = 0; i < 3; i++)
                    for (int j = 0; j <= i; j++)
                        banded.Block(t - 1 + i, i - j)[d * n + d] += weight * coefficients[i] * coefficients[j];
            }
        }

        // Marquardt damping and fixed coordinates.
        double floor = 0;
        for (int t = 0; t < frames; t++)
        {
            Span<double> block = banded.Block(t, 0);
            for (int d = 0; d < n; d++) floor = Math.Max(floor, block[d * n + d]);
        }
        floor = Math.Max(floor * 1e-9, 1e-12);
        for (int t = 0; t < frames; t++)
        {
            Span<double> block = banded.Block(t, 0);
            for (int d = 0; d < n; d++) block[d * n + d] += mu * Math.Max(block[d * n + d], floor) + floor;
        }
        for (int t = 0; t < frames; t++)
            for (int d = 0; d < n; d++)
            {
                if (!video.Fixed[t * n + d]) continue;
                for (int offset = 0; offset <= 2; offset++)
                {
                    if (t - offset >= 0)
                    {
                        Span<double> row = banded.Block(t, offset);
                        row.Slice(d * n, n).Clear();
                    }
                    if (t + offset < frames)
                    {
                        Span<double> column = banded.Block(t + offset, offset);
                        for (int i = 0; i < n; i++) column[i * n + d] = 0;
                    }
                }
                banded.Block(t, 0)[d * n + d] = 1;
                gq[t * n + d] = 0;
                for (int g = 0; g < groups; g++) hqbReduced[(t * n + d) * groups + g] = 0;
            }
        return banded.Factorize();
    }

    private static double Square(double v) => v * v;

    /// <summary>Confidence-weighted mean 3D error (mm, after τ) and 2D error (px) of one video at the current state.</summary>
    public (double Millimetres, double Pixels) MeanErrors(VideoState video)
    {
        var ws = new KinematicsWorkspace(model);
        double sum3 = 0, sum2 = 0, weight3 = 0, weight2 = 0;
        for (int t = 0; t < video.FrameCount; t++)
        {
            Kinematics.Forward(model, video.Coordinates.AsSpan(t * n, n), scales, offsets, ws);
            for (int j = 0; j < video.JointCount; j++)
            {
                double c = video.Confidence[t * video.JointCount + j];
                if (c <= 0 || video.SiteOfKeypoint[j] < 0) continue;
                (double px, double py, double pz) = video.SiteInCamera(ws.SitePositionsMetres, video.SiteOfKeypoint[j]);
                int o3 = (t * video.JointCount + j) * 3;
                double dx = px + video.Translation[t * 3] - video.Observed3dMetres[o3];
                double dy = py + video.Translation[t * 3 + 1] - video.Observed3dMetres[o3 + 1];
                double dz = pz + video.Translation[t * 3 + 2] - video.Observed3dMetres[o3 + 2];
                sum3 += c * 1000 * Math.Sqrt(dx * dx + dy * dy + dz * dz);
                weight3 += c;
                if (pz > CameraProjection.MinimumDepthMetres)
                {
                    (double u, double v) = video.Camera.Project(px, py, pz);
                    int o2 = (t * video.JointCount + j) * 2;
                    sum2 += c * Math.Sqrt(Square(u - video.Observed2dPixels[o2]) + Square(v - video.Observed2dPixels[o2 + 1]));
                    weight2 += c;
                }
            }
        }
        return (weight3 > 0 ? sum3 / weight3 : double.NaN, weight2 > 0 ? sum2 / weight2 : double.NaN);
    }

    /// <summary>Per-thread scratch: a kinematics workspace and Jacobian buffers.</summary>
    private sealed class FrameWorkspace
    {
        public FrameWorkspace(BodyModel model)
        {
            int n = model.CoordinateCount, g = model.ScaleGroupCount;
            Kinematics = new KinematicsWorkspace(model);
            JacobianQ = new double[3 * n];
            JacobianB = new double[3 * g];
            CameraJacobianQ = new double[3 * n];
            ProjectedJacobianQ = new double[2 * n];
            CameraJacobianB = new double[3 * g];
            ProjectedJacobianB = new double[2 * g];
            CameraJacobianD = new double[9];
            ProjectedJacobianD = new double[6];
        }

        public KinematicsWorkspace Kinematics { get; }
        public double[] JacobianQ { get; }
        public double[] JacobianB { get; }
        public double[] CameraJacobianQ { get; }
        public double[] ProjectedJacobianQ { get; }
        public double[] CameraJacobianB { get; }
        public double[] ProjectedJacobianB { get; }
        public double[] CameraJacobianD { get; }
        public double[] ProjectedJacobianD { get; }
    }

    private sealed class ThreadTotals
    {
        public ThreadTotals(int groups, int sites, bool build)
        {
            Hbb = new double[build ? groups * groups : 0];
            Gb = new double[build ? groups : 0];
            Hdd = new double[build ? sites * 9 : 0];
            Gd = new double[build ? sites * 3 : 0];
        }

        public double Cost;
        public double[] Hbb { get; }
        public double[] Gb { get; }
        public double[] Hdd { get; }
        public double[] Gd { get; }
    }
}
