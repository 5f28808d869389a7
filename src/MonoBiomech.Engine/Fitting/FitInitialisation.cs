using System.Runtime.CompilerServices;
using MonoBiomech.Fitting;
namespace MonoBiomech.Engine.Fitting;

using MonoBiomech.Engine.BodyModels;

/// <summary>
/// What each keypoint can tell the initialisation, found from where its site sits on the model in the neutral standing
/// pose, so no keypoint set's names or counts are known here.
/// </summary>
/// <param name="Upper">Keypoints at shoulder height or above (≥ 70 % of the highest keypoint): the top of the "up" vector.</param>
/// <param name="Lower">Keypoints at the feet (≤ 12 % of the highest): the bottom of "up", and floor contacts.</param>
/// <param name="Core">Keypoints moved only by the root and the trunk chain (pelvis, hip centres, torso, head): they place the root.</param>
internal sealed record KeypointRoles(int[] Upper, int[] Lower, int[] Core)
{
    private const double UpperHeightFraction = 0.7;
    private const double LowerHeightFraction = 0.12;
    private const double ZeroJacobian = 1e-9;

    public static KeypointRoles Find(BodyModel model, KeypointBinding binding)
    {
        var ws = new KinematicsWorkspace(model);
        Kinematics.Forward(model, FitInitialisation.NeutralPose(model), ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty, ws);
        int[] matched = Enumerable.Range(0, binding.KeypointCount).Where(k => binding.SiteOfKeypoint[k] >= 0).ToArray();
        double floor = Enumerable.Range(0, model.SiteCount).Min(s => ws.SitePositionsMetres[s * 3 + 2]);
        double Height(int k) => ws.SitePositionsMetres[binding.SiteOfKeypoint[k] * 3 + 2] - floor;
        double top = matched.Length > 0 ? matched.Max(Height) : 0;

        // Trunk chain: the bodies from the root to the body of the highest keypoint (pelvis → torso → head).
        var allowed = new HashSet<int>(RootCoordinates(model));
        if (matched.Length > 0)
        {
            int highest = matched.OrderByDescending(Height).First();
            for (int b = model.Sites[binding.SiteOfKeypoint[highest]].BodyIndex; b > 0; b = model.Bodies[b].ParentIndex)
                for (int d = 0; d < model.CoordinateCount; d++)
                    if (model.Coordinates[d].BodyIndex == b) allowed.Add(d);
        }
        var jacobian = new double[3 * model.CoordinateCount];
        bool IsCore(int k)
        {
            Kinematics.SiteJacobianCoordinates(model, ws, binding.SiteOfKeypoint[k], jacobian);
            for (int d = 0; d < model.CoordinateCount; d++)
                if (!allowed.Contains(d) && (Math.Abs(jacobian[d]) > ZeroJacobian || Math.Abs(jacobian[model.CoordinateCount + d]) > ZeroJacobian
                    || Math.Abs(jacobian[2 * model.CoordinateCount + d]) > ZeroJacobian)) return false;
            return true;
        }
        return new KeypointRoles(
            matched.Where(k => Height(k) >= UpperHeightFraction * top).ToArray(),
            matched.Where(k => Height(k) <= LowerHeightFraction * top).ToArray(),
            matched.Where(IsCore).ToArray());
    }

    /// <summary>The coordinates of the root body (the model's first coordinate's body).</summary>
    public static int[] RootCoordinates(BodyModel model)
    {
        int root = model.Coordinates[0].BodyIndex;
        return Enumerable.Range(0, model.CoordinateCount).Where(d => model.Coordinates[d].BodyIndex == root).ToArray();
    }
}

/// <summary>The starting point of the solve: it decides the basin.</summary>
internal static class FitInitialisation
{
    /// <summary>Floor contacts must spread this far (m, standard deviation) before they may correct "up".</summary>
    private const double MinimumContactSpreadMetres = 0.3;
    private const double MaximumFloorCorrectionDegrees = 20;
    private const int MinimumFloorContacts = 10;
    private const int RootHeadingStarts = 4;
    private const int RootFitIterations = 30;

    /// <summary>
    /// Gravity-aligned world per video: "up" in the camera is the median direction from the feet keypoints to the
    /// shoulder-level ones (nearly vertical over a gait cycle and in the neutral pose), refined by the floor contacts;
    /// world x is the camera's x axis projected onto the floor plane; world z is up; the origin is the camera centre.
    /// With this chart an upright pelvis has list ≈ 0, far from the Z-X-Y Euler singularity upstream's camera-frame chart
    /// sits on. Without feet or shoulder keypoints "up" is the camera's −y (a level camera). Returns R with x_camera = R·x_world.
    /// </summary>
    public static double[] EstimateWorldToCamera(KeypointObservations video, KeypointRoles roles)
    {
        double[] up = { 0, -1, 0 };
        var xs = new List<double>(); var ys = new List<double>(); var zs = new List<double>();
        Span<double> upper = stackalloc double[3];
        Span<double> lower = stackalloc double[3];
        for (int t = 0; t < video.FrameCount; t++)
        {
            if (!PairedMean(video, t, roles.Upper, upper) || !PairedMean(video, t, roles.Lower, lower)) continue;
            double vx = upper[0] - lower[0], vy = upper[1] - lower[1], vz = upper[2] - lower[2];
            double norm = Math.Sqrt(vx * vx + vy * vy + vz * vz);
            if (norm < 1e-6) continue;
            xs.Add(vx / norm); ys.Add(vy / norm); zs.Add(vz / norm);
        }
        if (xs.Count > 0)
        {
            double[] median = { Median(xs), Median(ys), Median(zs) };
            double norm = Math.Sqrt(median[0] * median[0] + median[1] * median[1] + median[2] * median[2]);
            if (norm > 0.5) up = median.Select(v => v / norm).ToArray();
        }
        up = RefineWithFloorContacts(video, roles.Lower, up);
        // World axes in camera coordinates: x = camera x without its "up" part, z = up, y = z × x.
        double[] ex = { 1 - up[0] * up[0], -up[0] * up[1], -up[0] * up[2] };
        double en = Math.Sqrt(ex[0] * ex[0] + ex[1] * ex[1] + ex[2] * ex[2]);
        for (int i = 0; i < 3; i++) ex[i] /= en;
        double[] ey = { up[1] * ex[2] - up[2] * ex[1], up[2] * ex[0] - up[0] * ex[2], up[0] * ex[1] - up[1] * ex[0] };
        var r = new double[9];
        for (int row = 0; row < 3; row++) { r[row * 3] = ex[row]; r[row * 3 + 1] = ey[row]; r[row * 3 + 2] = up[row]; }
        return r;
    }

    /// <summary>
    /// Mean 3D position of the frame's keypoints of a role, counting a left/right keypoint only together with its partner
    /// (so a hidden side cannot tilt the mean). False when none qualifies.
    /// </summary>
    private static bool PairedMean(KeypointObservations video, int t, int[] keypoints, Span<double> mean)
    {
        int count = 0, stride = video.KeypointCount;
        mean.Clear();
        foreach (int k in keypoints)
        {
            int mirror = video.Binding.MirrorOfKeypoint[k];
            if (video.Weight3d[t * stride + k] <= 0 || video.Weight3d[t * stride + mirror] <= 0) continue;
            for (int a = 0; a < 3; a++) mean[a] += video.Observed3dMetres[(t * stride + k) * 3 + a];
            count++;
        }
        if (count == 0) return false;
        for (int a = 0; a < 3; a++) mean[a] /= count;
        return true;
    }

    /// <summary>
    /// The trunk axis leans (forward in walking and running, so it is off by several degrees in the plane of travel). The
    /// ground contacts fix exactly that direction: the lowest foot keypoint of every frame lies on the floor, so "up" must
    /// be perpendicular to the line (or plane) those points spread along. Kept only when the contacts spread over
    /// <see cref="MinimumContactSpreadMetres"/> and it moves "up" by less than <see cref="MaximumFloorCorrectionDegrees"/>.
    /// </summary>
    private static double[] RefineWithFloorContacts(KeypointObservations video, int[] feet, double[] up)
    {
        if (feet.Length == 0) return up;
        int stride = video.KeypointCount;
        var points = new List<double[]>();
        for (int t = 0; t < video.FrameCount; t++)
        {
            double[]? lowest = null; double lowestHeight = double.PositiveInfinity;
            foreach (int k in feet)
            {
                if (video.Weight3d[t * stride + k] <= 0) continue;
                int o = (t * stride + k) * 3;
                double[] p = { video.Observed3dMetres[o], video.Observed3dMetres[o + 1], video.Observed3dMetres[o + 2] };
                double height = p[0] * up[0] + p[1] * up[1] + p[2] * up[2];
                if (height < lowestHeight) { lowestHeight = height; lowest = p; }
            }
            if (lowest is not null) points.Add(lowest);
        }
        if (points.Count < MinimumFloorContacts) return up;
        double[] mean = new double[3];
        foreach (double[] p in points) for (int a = 0; a < 3; a++) mean[a] += p[a] / points.Count;
        var covariance = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(3, 3);
        foreach (double[] p in points)
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) covariance[a, b] += (p[a] - mean[a]) * (p[b] - mean[b]) / points.Count;
        var evd = covariance.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
        // Eigenvalues ascending for a symmetric matrix: index 2 is the main spread, 0 the floor normal if the spread is planar.
        double[] values = evd.EigenValues.Select(v => v.Real).ToArray();
        double[] Column(int k) => new[] { evd.EigenVectors[0, k], evd.EigenVectors[1, k], evd.EigenVectors[2, k] };
        double[] refined;
        if (Math.Sqrt(values[1]) > MinimumContactSpreadMetres && values[0] < 0.05 * values[1])
        {
            refined = Column(0);
        }
        else if (Math.Sqrt(values[2]) > MinimumContactSpreadMetres)
        {
            double[] along = Column(2);
            double dot = up[0] * along[0] + up[1] * along[1] + up[2] * along[2];
            refined = new[] { up[0] - dot * along[0], up[1] - dot * along[1], up[2] - dot * along[2] };
        }
        else
        {
            return up;
        }
        double norm = Math.Sqrt(refined[0] * refined[0] + refined[1] * refined[1] + refined[2] * refined[2]);
        double cosine = (refined[0] * up[0] + refined[1] * up[1] + refined[2] * up[2]) / norm;
        if (cosine < 0) { cosine = -cosine; norm = -norm; }
        if (cosine < Math.Cos(MaximumFloorCorrectionDegrees * Math.PI / 180)) return up;
        return refined.Select(v => v / norm).ToArray();
    }

    /// <summary>
    /// Per-frame root pose: a small Gauss-Newton fit of the root body's coordinates (slides and hinges) to the core
    /// keypoints (pelvis, hip centres, trunk; other coordinates neutral), solved in the model's own chart so no Euler
    /// decomposition is needed, warm-started from the previous frame; the first frame tries four headings. Needs three
    /// core keypoints in a frame (two hips and a shoulder are enough); frames without copy the nearest placed frame.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PlaceRoot(BodyModel model, VideoFitProblem problem, KeypointRoles roles, VideoFitState state, CancellationToken cancellationToken)
    {
        int n = model.CoordinateCount, stride = problem.KeypointCount;
        int[] rootCoordinates = KeypointRoles.RootCoordinates(model);
        int[] core = roles.Core;
        int[] siteOf = problem.Binding.SiteOfKeypoint;
        var ws = new KinematicsWorkspace(model);
        double[] q = NeutralPose(model);

        // The heading coordinate: the root hinge whose axis is most vertical at the neutral pose.
        Kinematics.Forward(model, q, ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty, ws);
        int heading = rootCoordinates.Where(d => model.Coordinates[d].Kind == CoordinateKind.Rotation)
            .OrderByDescending(d => Math.Abs(ws.CoordinateAxesWorld[d * 3 + 2])).DefaultIfEmpty(-1).First();

        var targets = new double[core.Length * 3];
        var weights = new double[core.Length];
        bool[] placed = new bool[problem.FrameCount];
        double[]? previous = null;
        ReadOnlySpan<double> r = problem.WorldToCamera;
        for (int t = 0; t < problem.FrameCount; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int valid = 0;
            for (int i = 0; i < core.Length; i++)
            {
                int k = core[i], o = (t * stride + k) * 3;
                weights[i] = problem.Weight3d[t * stride + k];
                if (weights[i] > 0) valid++;
                double cx = problem.Observed3dMetres[o], cy = problem.Observed3dMetres[o + 1], cz = problem.Observed3dMetres[o + 2];
                targets[i * 3] = r[0] * cx + r[3] * cy + r[6] * cz;
                targets[i * 3 + 1] = r[1] * cx + r[4] * cy + r[7] * cz;
                targets[i * 3 + 2] = r[2] * cx + r[5] * cy + r[8] * cz;
            }
            if (valid < 3) continue;
            double[] best;
            if (previous is null)
            {
                best = q;
                double bestCost = double.PositiveInfinity;
                for (int start = 0; start < (heading >= 0 ? RootHeadingStarts : 1); start++)
                {
                    var candidate = (double[])q.Clone();
                    if (heading >= 0) candidate[heading] = start * 2 * Math.PI / RootHeadingStarts;
                    double cost = FitRoot(model, ws, candidate, rootCoordinates, core, siteOf, targets, weights);
                    if (cost < bestCost) { bestCost = cost; best = candidate; }
                }
            }
            else
            {
                best = (double[])previous.Clone();
                FitRoot(model, ws, best, rootCoordinates, core, siteOf, targets, weights);
            }
            Array.Copy(best, 0, state.Coordinates, t * n, n);
            placed[t] = true;
            previous = best;
        }
        if (previous is null)
            throw new FitInputException(problem.Source, FitInputProblem.CannotPlaceBody,
                $"'{problem.Source}': no frame shows three or more keypoints of the pelvis and trunk (e.g. both hips and a shoulder); cannot place the body.");
        CopyNearest(state.Coordinates, placed, n);
    }

    /// <summary>
    /// For root-relative 3D keypoints (no absolute depth): per frame, the camera-frame shift d of the placed body that best
    /// reprojects its core sites onto their 2D keypoints. Linear in d: fx·dx − (u − cx)·dz = (u − cx)·z − fx·x, and the same
    /// for y (an algebraic error, each row divided by the site's depth so rows weigh like pixels). Needs two 2D core
    /// keypoints in a frame; other frames copy the nearest placed one. The size of the body, hence the depth, is refined
    /// with the scales in the solve.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PlaceByReprojection(BodyModel model, VideoFitProblem problem, KeypointRoles roles, VideoFitState state, double[] scales)
    {
        int n = model.CoordinateCount, stride = problem.KeypointCount;
        var ws = new KinematicsWorkspace(model);
        int[] slides = KeypointRoles.RootCoordinates(model).Where(d => model.Coordinates[d].Kind == CoordinateKind.Translation).ToArray();
        if (slides.Length == 0) return;
        bool[] placed = new bool[problem.FrameCount];
        var camera = problem.Camera;
        ReadOnlySpan<double> r = problem.WorldToCamera;
        Span<double> normal = stackalloc double[9];
        Span<double> rhs = stackalloc double[3];
        for (int t = 0; t < problem.FrameCount; t++)
        {
            Kinematics.Forward(model, state.Coordinates.AsSpan(t * n, n), scales, ReadOnlySpan<double>.Empty, ws);
            normal.Clear(); rhs.Clear();
            int valid = 0;
            foreach (int k in roles.Core)
            {
                double w = problem.Weight2d[t * stride + k];
                if (w <= 0) continue;
                (double x, double y, double z) = problem.SiteInCamera(ws.SitePositionsMetres, problem.Binding.SiteOfKeypoint[k]);
                double u = problem.Observed2dPixels[(t * stride + k) * 2] - camera.PrincipalPointXPixels;
                double v = problem.Observed2dPixels[(t * stride + k) * 2 + 1] - camera.PrincipalPointYPixels;
                double scale = w / Math.Max(z * z, CameraProjection.MinimumDepthMetres * CameraProjection.MinimumDepthMetres);
                AddRow(normal, rhs, camera.FocalLengthXPixels, 0, -u, u * z - camera.FocalLengthXPixels * x, scale);
                AddRow(normal, rhs, 0, camera.FocalLengthYPixels, -v, v * z - camera.FocalLengthYPixels * y, scale);
                valid++;
            }
            if (valid < 2 || !SmallDense.SolveSpd(normal, rhs, 3)) continue;
            // The shift in the world frame, applied along the root slides' world axes (orthonormal in these models).
            double wx = r[0] * rhs[0] + r[3] * rhs[1] + r[6] * rhs[2];
            double wy = r[1] * rhs[0] + r[4] * rhs[1] + r[7] * rhs[2];
            double wz = r[2] * rhs[0] + r[5] * rhs[1] + r[8] * rhs[2];
            foreach (int d in slides)
                state.Coordinates[t * n + d] += ws.CoordinateAxesWorld[d * 3] * wx + ws.CoordinateAxesWorld[d * 3 + 1] * wy + ws.CoordinateAxesWorld[d * 3 + 2] * wz;
            placed[t] = true;
        }
        if (placed.Any(p => p)) CopyNearest(state.Coordinates, placed, n, slides);
    }

    private static void AddRow(Span<double> normal, Span<double> rhs, double a0, double a1, double a2, double b, double weight)
    {
        Span<double> a = stackalloc double[] { a0, a1, a2 };
        for (int i = 0; i < 3; i++)
        {
            rhs[i] += weight * a[i] * b;
            for (int j = 0; j < 3; j++) normal[i * 3 + j] += weight * a[i] * a[j];
        }
    }

    /// <summary>Frames not placed take the values of the nearest earlier placed frame (the first ones, of the first placed).</summary>
    private static void CopyNearest(double[] coordinates, bool[] placed, int n, int[]? only = null)
    {
        int last = Array.IndexOf(placed, true);
        for (int t = 0; t < placed.Length; t++)
        {
            if (placed[t]) { last = t; continue; }
            if (only is null) Array.Copy(coordinates, last * n, coordinates, t * n, n);
            else foreach (int d in only) coordinates[t * n + d] = coordinates[last * n + d];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double FitRoot(BodyModel model, KinematicsWorkspace ws, double[] q, int[] coordinates, int[] keypoints, int[] siteOf,
        double[] targets, double[] weights)
    {
        int n = model.CoordinateCount, m = coordinates.Length;
        var jacobian = new double[3 * n];
        var h = new double[m * m];
        var g = new double[m];
        double cost = double.PositiveInfinity;
        for (int iteration = 0; iteration < RootFitIterations; iteration++)
        {
            Kinematics.Forward(model, q, ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty, ws);
            if (iteration == 0)
            {
                // Translate first so the rotation starts from overlapping centroids.
                double[] shift = new double[3]; double total = 0;
                for (int i = 0; i < keypoints.Length; i++)
                {
                    if (weights[i] <= 0) continue;
                    int s3 = siteOf[keypoints[i]] * 3;
                    for (int a = 0; a < 3; a++) shift[a] += weights[i] * (targets[i * 3 + a] - ws.SitePositionsMetres[s3 + a]);
                    total += weights[i];
                }
                foreach (int d in coordinates)
                    if (model.Coordinates[d].Kind == CoordinateKind.Translation)
                        for (int a = 0; a < 3; a++) q[d] += ws.CoordinateAxesWorld[d * 3 + a] * shift[a] / total;
                Kinematics.Forward(model, q, ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty, ws);
            }
            Array.Clear(h); Array.Clear(g);
            cost = 0;
            for (int i = 0; i < keypoints.Length; i++)
            {
                if (weights[i] <= 0) continue;
                int site = siteOf[keypoints[i]], s3 = site * 3;
                Kinematics.SiteJacobianCoordinates(model, ws, site, jacobian);
                for (int a = 0; a < 3; a++)
                {
                    double e = ws.SitePositionsMetres[s3 + a] - targets[i * 3 + a];
                    cost += 0.5 * weights[i] * e * e;
                    for (int c1 = 0; c1 < m; c1++)
                    {
                        double j1 = jacobian[a * n + coordinates[c1]];
                        g[c1] += weights[i] * j1 * e;
                        for (int c2 = 0; c2 < m; c2++) h[c1 * m + c2] += weights[i] * j1 * jacobian[a * n + coordinates[c2]];
                    }
                }
            }
            for (int c = 0; c < m; c++) { h[c * m + c] = h[c * m + c] * 1.001 + 1e-9; g[c] = -g[c]; }
            if (!SmallDense.SolveSpd(h, g, m)) break;
            double stepNorm = 0;
            for (int c = 0; c < m; c++) { q[coordinates[c]] += g[c]; stepNorm += g[c] * g[c]; }
            if (stepNorm < 1e-16) break;
        }
        return cost;
    }

    /// <summary>The model's reference pose: every coordinate at 0, limited ones clamped into their range.</summary>
    public static double[] NeutralPose(BodyModel model) =>
        model.Coordinates.Select(c => c.IsLimited ? Math.Clamp(0, c.LowerLimit, c.UpperLimit) : 0).ToArray();

    /// <summary>τ_t: the weighted mean offset between the observed 3D keypoints and the model at the initial pose.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InitialiseKeypointOffsets(BodyModel model, VideoFitProblem problem, VideoFitState state, double[] scales)
    {
        int n = model.CoordinateCount, stride = problem.KeypointCount;
        var ws = new KinematicsWorkspace(model);
        for (int t = 0; t < problem.FrameCount; t++)
        {
            Kinematics.Forward(model, state.Coordinates.AsSpan(t * n, n), scales, ReadOnlySpan<double>.Empty, ws);
            double sx = 0, sy = 0, sz = 0, total = 0;
            for (int k = 0; k < stride; k++)
            {
                double w = problem.Weight3d[t * stride + k];
                int site = problem.Binding.SiteOfKeypoint[k];
                if (w <= 0 || site < 0) continue;
                (double px, double py, double pz) = problem.SiteInCamera(ws.SitePositionsMetres, site);
                int o = (t * stride + k) * 3;
                sx += w * (problem.Observed3dMetres[o] - px);
                sy += w * (problem.Observed3dMetres[o + 1] - py);
                sz += w * (problem.Observed3dMetres[o + 2] - pz);
                total += w;
            }
            if (total <= 0) continue;
            state.KeypointOffsetsMetres[t * 3] = sx / total;
            state.KeypointOffsetsMetres[t * 3 + 1] = sy / total;
            state.KeypointOffsetsMetres[t * 3 + 2] = sz / total;
        }
    }

    /// <summary>The median (sorts the list).</summary>
    internal static double Median(List<double> values)
    {
        values.Sort();
        int m = values.Count / 2;
        return values.Count % 2 == 1 ? values[m] : 0.5 * (values[m - 1] + values[m]);
    }
}
