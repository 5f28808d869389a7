using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Fitting;

namespace MonoBiomech.Engine.Fitting;

/// <summary>The starting point of the solve (biomech-fit.md §7.6): it decides the basin.</summary>
internal static class Initialisation
{
    /// <summary>
    /// Gravity-aligned world per video: "up" in the camera is the median direction from the mid-ankles to the neck
    /// (nearly vertical over a gait cycle and in the model's neutral pose: 0.6° off); world x is the camera's x axis projected
    /// onto the floor plane; world z is up; the origin is the camera centre. With this chart an upright pelvis has
    /// list ≈ 0, far from the Z-X-Y Euler singularity upstream's camera-frame chart sits on.
    /// </summary>
    public static void EstimateWorld(VideoState video, IReadOnlyList<string> names)
    {
        double[] up = { 0, -1, 0 };
        int neck = IndexOf(names, "Neck"), left = IndexOf(names, "LAnkle"), right = IndexOf(names, "RAnkle");
        if (neck < 0 || left < 0 || right < 0) { neck = IndexOf(names, "Head"); left = right = IndexOf(names, "mhip"); }
        if (neck >= 0 && left >= 0)
        {
            var xs = new List<double>(); var ys = new List<double>(); var zs = new List<double>();
            int joints = video.JointCount;
            for (int t = 0; t < video.FrameCount; t++)
            {
                if (video.Confidence[t * joints + neck] <= 0 || video.Confidence[t * joints + left] <= 0 || video.Confidence[t * joints + right] <= 0) continue;
                double[] o = video.Observed3dMetres;
                double vx = o[(t * joints + neck) * 3] - 0.5 * (o[(t * joints + left) * 3] + o[(t * joints + right) * 3]);
                double vy = o[(t * joints + neck) * 3 + 1] - 0.5 * (o[(t * joints + left) * 3 + 1] + o[(t * joints + right) * 3 + 1]);
                double vz = o[(t * joints + neck) * 3 + 2] - 0.5 * (o[(t * joints + left) * 3 + 2] + o[(t * joints + right) * 3 + 2]);
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
        }
        up = RefineWithFloorContacts(video, names, up);
        // World axes in camera coordinates: x = camera x without its "up" part, z = up, y = z × x.
        double[] ex = { 1 - up[0] * up[0], -up[0] * up[1], -up[0] * up[2] };
        double en = Math.Sqrt(ex[0] * ex[0] + ex[1] * ex[1] + ex[2] * ex[2]);
        for (int i = 0; i < 3; i++) ex[i] /= en;
        double[] ey = { up[1] * ex[2] - up[2] * ex[1], up[2] * ex[0] - up[0] * ex[2], up[0] * ex[1] - up[1] * ex[0] };
        double[] r = video.WorldToCamera;
        for (int row = 0; row < 3; row++) { r[row * 3] = ex[row]; r[row * 3 + 1] = ey[row]; r[row * 3 + 2] = up[row]; }
    }

    /// <summary>
    /// The trunk axis leans (forward in walking, so it is off by several degrees in the plane of travel). The ground
    /// contacts fix exactly that direction: the lowest foot keypoint of every frame lies on the floor, so "up" must be
    /// perpendicular to the line (or plane) those points spread along. Correction kept only when the contacts spread over
    /// 0.6 m or more and it moves "up" by less than 20°.
    /// </summary>
    private static double[] RefineWithFloorContacts(VideoState video, IReadOnlyList<string> names, double[] up)
    {
        int[] feet = new[] { "LHeel", "RHeel", "LBigToe", "RBigToe" }.Select(name => IndexOf(names, name)).Where(j => j >= 0).ToArray();
        if (feet.Length == 0) return up;
        int joints = video.JointCount;
        var points = new List<double[]>();
        for (int t = 0; t < video.FrameCount; t++)
        {
            double[]? lowest = null; double lowestHeight = double.PositiveInfinity;
            foreach (int j in feet)
            {
                if (video.Confidence[t * joints + j] <= 0) continue;
                int o = (t * joints + j) * 3;
                double[] p = { video.Observed3dMetres[o], video.Observed3dMetres[o + 1], video.Observed3dMetres[o + 2] };
                double height = p[0] * up[0] + p[1] * up[1] + p[2] * up[2];
                if (height < lowestHeight) { lowestHeight = height; lowest = p; }
            }
            if (lowest is not null) points.Add(lowest);
        }
        if (points.Count < 10) return up;
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
        if (Math.Sqrt(values[1]) > 0.3 && values[0] < 0.05 * values[1])
        {
            refined = Column(0);
        }
        else if (Math.Sqrt(values[2]) > 0.3)
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
        if (cosine < Math.Cos(20 * Math.PI / 180)) return up;
        return refined.Select(v => v / norm).ToArray();
    }

    /// <summary>
    /// Per-frame root pose: a small Gauss-Newton fit of the root body's coordinates (slides and hinges) to the keypoints
    /// on the root body (pelvis markers: the rigid Kabsch problem, solved in the model's own chart so no Euler decomposition
    /// is needed), warm-started from the previous frame; the first frame tries four headings. Other coordinates stay neutral (0).
    /// </summary>
    public static void InitialiseRoot(BodyModel model, VideoState video, CancellationToken cancellationToken)
    {
        int n = model.CoordinateCount, joints = video.JointCount;
        int rootBody = model.Coordinates[0].BodyIndex;
        int[] rootCoordinates = Enumerable.Range(0, n).Where(d => model.Coordinates[d].BodyIndex == rootBody).ToArray();
        int[] rootKeypoints = Enumerable.Range(0, joints).Where(j => video.SiteOfKeypoint[j] >= 0 && model.Sites[video.SiteOfKeypoint[j]].BodyIndex == rootBody).ToArray();
        var ws = new KinematicsWorkspace(model);
        double[] q = NeutralPose(model);

        // The heading coordinate: the root hinge whose axis is most vertical at the neutral pose.
        Kinematics.Forward(model, q, ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty, ws);
        int heading = rootCoordinates.Where(d => model.Coordinates[d].Kind == CoordinateKind.Hinge)
            .OrderByDescending(d => Math.Abs(ws.CoordinateAxesWorld[d * 3 + 2])).DefaultIfEmpty(-1).First();

        var targets = new double[rootKeypoints.Length * 3];
        var weights = new double[rootKeypoints.Length];
        bool[] solved = new bool[video.FrameCount];
        double[]? previous = null;
        double[] r = video.WorldToCamera;
        for (int t = 0; t < video.FrameCount; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int valid = 0;
            for (int i = 0; i < rootKeypoints.Length; i++)
            {
                int j = rootKeypoints[i], o = (t * joints + j) * 3;
                weights[i] = video.Confidence[t * joints + j];
                if (weights[i] > 0) valid++;
                double cx = video.Observed3dMetres[o], cy = video.Observed3dMetres[o + 1], cz = video.Observed3dMetres[o + 2];
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
                for (int start = 0; start < (heading >= 0 ? 4 : 1); start++)
                {
                    var candidate = (double[])q.Clone();
                    if (heading >= 0) candidate[heading] = start * Math.PI / 2;
                    double cost = FitRoot(model, ws, candidate, rootCoordinates, rootKeypoints, video.SiteOfKeypoint, targets, weights);
                    if (cost < bestCost) { bestCost = cost; best = candidate; }
                }
            }
            else
            {
                best = (double[])previous.Clone();
                FitRoot(model, ws, best, rootCoordinates, rootKeypoints, video.SiteOfKeypoint, targets, weights);
            }
            Array.Copy(best, 0, video.Coordinates, t * n, n);
            solved[t] = true;
            previous = best;
        }
        if (previous is null) throw new FitInputException(video.Source, FitInputProblem.CannotPlaceBody, $"'{video.Source}': no frame shows 3 or more pelvis keypoints; cannot place the body.");
        // Frames without enough pelvis keypoints copy the nearest solved frame (the acceleration prior then bridges them).
        int lastSolved = Array.IndexOf(solved, true);
        for (int t = 0; t < video.FrameCount; t++)
        {
            if (solved[t]) { lastSolved = t; continue; }
            Array.Copy(video.Coordinates, lastSolved * n, video.Coordinates, t * n, n);
        }
    }

    private static double FitRoot(BodyModel model, KinematicsWorkspace ws, double[] q, int[] coordinates, int[] keypoints, int[] siteOf,
        double[] targets, double[] weights)
    {
        int n = model.CoordinateCount, m = coordinates.Length;
        var jacobian = new double[3 * n];
        var h = new double[m * m];
        var g = new double[m];
        double cost = double.PositiveInfinity;
        for (int iteration = 0; iteration < 30; iteration++)
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
                    if (model.Coordinates[d].Kind == CoordinateKind.Slide)
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

    /// <summary>τ_t: the mean offset between the observed 3D keypoints and the model at the initial pose.</summary>
    public static void InitialiseTranslation(BodyModel model, IReadOnlyList<VideoState> videos, double[] scales)
    {
        int n = model.CoordinateCount;
        var ws = new KinematicsWorkspace(model);
        foreach (VideoState video in videos)
        {
            for (int t = 0; t < video.FrameCount; t++)
            {
                Kinematics.Forward(model, video.Coordinates.AsSpan(t * n, n), scales, ReadOnlySpan<double>.Empty, ws);
                double sx = 0, sy = 0, sz = 0, total = 0;
                for (int j = 0; j < video.JointCount; j++)
                {
                    double c = video.Confidence[t * video.JointCount + j];
                    if (c <= 0 || video.SiteOfKeypoint[j] < 0) continue;
                    (double px, double py, double pz) = video.SiteInCamera(ws.SitePositionsMetres, video.SiteOfKeypoint[j]);
                    int o3 = (t * video.JointCount + j) * 3;
                    sx += c * (video.Observed3dMetres[o3] - px);
                    sy += c * (video.Observed3dMetres[o3 + 1] - py);
                    sz += c * (video.Observed3dMetres[o3 + 2] - pz);
                    total += c;
                }
                if (total <= 0) continue;
                video.Translation[t * 3] = sx / total;
                video.Translation[t * 3 + 1] = sy / total;
                video.Translation[t * 3 + 2] = sz / total;
            }
        }
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++) if (names[i] == name) return i;
        return -1;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int m = values.Count / 2;
        return values.Count % 2 == 1 ? values[m] : 0.5 * (values[m - 1] + values[m]);
    }
}
