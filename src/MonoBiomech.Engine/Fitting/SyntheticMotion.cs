using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Fitting;
using MonoBiomech.Pose;

namespace MonoBiomech.Engine.Fitting;

/// <summary>Kinds of synthetic motion for validation and benchmarks.</summary>
internal enum SyntheticMotionKind { Walking, BandLimitedRandom }

/// <summary>Corruptions applied to synthetic keypoints (biomech-fit.md §8.2).</summary>
internal sealed record SyntheticNoise(double Sigma3dMillimetres = 0, double Sigma2dPixels = 0, double OutlierFraction = 0, double MissingFrameFraction = 0)
{
    public static SyntheticNoise None { get; } = new();
    public static SyntheticNoise Realistic { get; } = new(20, 3, 0.05, 0.03);
}

/// <summary>A synthetic video with its ground truth: generator world is z-up with the floor at z = 0.</summary>
internal sealed record SyntheticVideo(PoseSequence Keypoints, double[] TrueCoordinates, double[] TrueScales, double[] TrueSitesCameraMetres,
    double[] WorldToCamera, double[] CameraPositionMetres);

/// <summary>
/// Generates motions of the body model seen by a static camera: smooth trajectories inside the joint limits, a subject
/// with random body scales, a camera 3-6 m away at about 1.4 m height pitched down, and MeTRAbs-like keypoints
/// (3D mm camera frame + 2D px) with optional noise, outliers and missing frames. Used by the tests and the benchmark.
/// </summary>
internal static class SyntheticMotion
{
    public static double[] RandomScales(BodyModel model, Random random, double range = 0.05) =>
        Enumerable.Range(0, model.ScaleGroupCount).Select(_ => range * (2 * random.NextDouble() - 1)).ToArray();

    public static SyntheticVideo Generate(BodyModel model, SyntheticMotionKind kind, int frames, double framesPerSecond, double[] scales,
        SyntheticNoise noise, int seed, string source = "synthetic", double? viewYawDegrees = null)
    {
        var random = new Random(seed);
        int n = model.CoordinateCount;
        double[] q = kind == SyntheticMotionKind.Walking ? Walking(model, frames, framesPerSecond, random) : BandLimited(model, frames, framesPerSecond, random);
        // The walker stands on the floor z = 0 (by the definition the fit uses to place its floor).
        if (kind == SyntheticMotionKind.Walking) FloorContact.MoveFloorToZero(model, q, frames, scales);

        // Camera: beside the path centre, 3-6 m away, 1.3-1.5 m high, looking at the path (oblique up to ±30°), pitched down 5-12°.
        int pelvisX = model.FindCoordinate("pelvis_tx"), pelvisZ = model.FindCoordinate("pelvis_tz");
        // Aim at the middle of the ground the subject covers.
        double midX = pelvisX >= 0 ? Enumerable.Range(0, frames).Average(t => q[t * n + pelvisX]) : 0;
        double midY = pelvisZ >= 0 ? -Enumerable.Range(0, frames).Average(t => q[t * n + pelvisZ]) : 0;
        double distance = 3 + 3 * random.NextDouble(), height = 1.3 + 0.2 * random.NextDouble();
        // View: 0° = sagittal (camera beside the path); 90° = the subject walks away from / towards the camera.
        double yaw = (random.NextDouble() - 0.5) * Math.PI / 3, pitch = -(5 + 7 * random.NextDouble()) * Math.PI / 180;
        if (viewYawDegrees is double fixedYaw) yaw = fixedYaw * Math.PI / 180;
        // Keep 3-6 m to the nearest point of the path when looking along it (the walking path is 6 m long).
        distance += 3 * Math.Abs(Math.Sin(yaw));
        double[] forward = { Math.Sin(yaw) * Math.Cos(pitch), Math.Cos(yaw) * Math.Cos(pitch), Math.Sin(pitch) };
        double[] camera = { midX - distance * forward[0] / Math.Cos(pitch), midY - distance * forward[1] / Math.Cos(pitch), height };
        double[] right = Normalize(Cross(forward, new double[] { 0, 0, 1 }));
        double[] down = Cross(forward, right);
        double[] r = { right[0], right[1], right[2], down[0], down[1], down[2], forward[0], forward[1], forward[2] };
        CameraIntrinsics intrinsics = CameraIntrinsics.FromFieldOfView(1920, 1080);

        IReadOnlyList<string> names = model.Sites.Select(s => s.Name).ToArray();
        int joints = names.Count;
        var k3 = new double[frames * joints * 3];
        var k2 = new double[frames * joints * 2];
        var confidences = new double[frames * joints];
        var clean = new double[frames * joints * 3];
        var ws = new KinematicsWorkspace(model);
        for (int t = 0; t < frames; t++)
        {
            Kinematics.Forward(model, q.AsSpan(t * n, n), scales, ReadOnlySpan<double>.Empty, ws);
            for (int j = 0; j < joints; j++)
            {
                double dx = ws.SitePositionsMetres[j * 3] - camera[0], dy = ws.SitePositionsMetres[j * 3 + 1] - camera[1], dz = ws.SitePositionsMetres[j * 3 + 2] - camera[2];
                double cx = r[0] * dx + r[1] * dy + r[2] * dz, cy = r[3] * dx + r[4] * dy + r[5] * dz, cz = r[6] * dx + r[7] * dy + r[8] * dz;
                int o = (t * joints + j) * 3;
                clean[o] = cx; clean[o + 1] = cy; clean[o + 2] = cz;
                (double u, double v) = intrinsics.Project(cx, cy, cz);
                k3[o] = 1000 * cx + Gaussian(random) * noise.Sigma3dMillimetres;
                k3[o + 1] = 1000 * cy + Gaussian(random) * noise.Sigma3dMillimetres;
                k3[o + 2] = 1000 * cz + Gaussian(random) * noise.Sigma3dMillimetres;
                k2[(t * joints + j) * 2] = u + Gaussian(random) * noise.Sigma2dPixels;
                k2[(t * joints + j) * 2 + 1] = v + Gaussian(random) * noise.Sigma2dPixels;
                confidences[t * joints + j] = 1;
                if (random.NextDouble() < noise.OutlierFraction)
                {
                    double[] direction = Normalize(new[] { Gaussian(random), Gaussian(random), Gaussian(random) });
                    double millimetres = 100 + 300 * random.NextDouble();
                    for (int a = 0; a < 3; a++) k3[o + a] += direction[a] * millimetres;
                    double angle = 2 * Math.PI * random.NextDouble(), pixels = 30 + 120 * random.NextDouble();
                    k2[(t * joints + j) * 2] += pixels * Math.Cos(angle);
                    k2[(t * joints + j) * 2 + 1] += pixels * Math.Sin(angle);
                }
            }
            if (random.NextDouble() < noise.MissingFrameFraction)
            {
                // Upstream's "no detection" frame: zeros with confidence 0.
                Array.Clear(k3, t * joints * 3, joints * 3);
                Array.Clear(k2, t * joints * 2, joints * 2);
                Array.Clear(confidences, t * joints, joints);
            }
        }
        double[] timestamps = Enumerable.Range(0, frames).Select(t => t / framesPerSecond).ToArray();
        var keypoints = new PoseSequence(source, names, timestamps, k3, k2, confidences, intrinsics) { KeypointSetName = "bml_movi_87" };
        return new SyntheticVideo(keypoints, q, (double[])scales.Clone(), clean, r, camera);
    }

    /// <summary>
    /// Walking back and forth along world x at ~1.2 m/s over a 6 m path centred on the origin (a smooth 1.5 s turn at each
    /// end, so long clips stay in front of the camera): leg and arm swing at ~0.9 strides/s with harmonics, small pelvis and trunk motion.
    /// The clip's height is set afterwards, to put the feet on the floor.
    /// </summary>
    private static double[] Walking(BodyModel model, int frames, double fps, Random random)
    {
        int n = model.CoordinateCount;
        var q = new double[frames * n];
        double stride = 0.85 + 0.1 * random.NextDouble(), speed = 1.1 + 0.2 * random.NextDouble(), phase0 = 2 * Math.PI * random.NextDouble();
        var extras = Enumerable.Range(0, n).Select(_ => (A: random.NextDouble(), F: 0.3 + 1.2 * random.NextDouble(), P: 2 * Math.PI * random.NextDouble())).ToArray();
        for (int t = 0; t < frames; t++)
        {
            double time = t / fps, w = 2 * Math.PI * stride * time + phase0;
            void Set(string name, double value)
            {
                int d = model.FindCoordinate(name);
                if (d >= 0) q[t * n + d] = value;
            }
            for (int d = 0; d < n; d++)
            {
                CoordinateDefinition c = model.Coordinates[d];
                if (!c.IsLimited) continue;
                // Every limited DoF gets a small smooth wobble (about 4% of its range) around a feasible neutral.
                double half = 0.5 * (c.UpperLimit - c.LowerLimit);
                q[t * n + d] = Math.Clamp(0, c.LowerLimit + 0.1 * half, c.UpperLimit - 0.1 * half) + 0.04 * half * extras[d].A * Math.Sin(2 * Math.PI * extras[d].F * time + extras[d].P);
            }
            foreach ((string side, double shift) in new[] { ("r", 0.0), ("l", Math.PI) })
            {
                double s = w + shift;
                Set("hip_flexion_" + side, 0.25 + 0.42 * Math.Sin(s) + 0.05 * Math.Sin(2 * s));
                Set("hip_adduction_" + side, 0.05 * Math.Sin(s + 0.5));
                Set("hip_rotation_" + side, 0.05 * Math.Sin(s + 1.0));
                Set("knee_angle_" + side, -0.6 - 0.45 * Math.Sin(s + 1.3) - 0.1 * Math.Cos(2 * s));
                Set("ankle_angle_" + side, 0.05 + 0.2 * Math.Sin(s - 0.8));
                Set("arm_flex_" + side, -0.35 * Math.Sin(s));
                Set("arm_add_" + side, -0.15 + 0.04 * Math.Sin(s));
                Set("elbow_flex_" + side, 0.5 + 0.2 * Math.Sin(s + 0.4));
            }
            (double x, double heading) = PathPosition(time, speed);
            Set("pelvis_tx", x);
            Set("pelvis_tz", 0.02 * Math.Sin(w));
            Set("pelvis_ty", 0.02 * Math.Sin(2 * w)); // vertical bob; the clip is then lowered onto the floor
            Set("pelvis_tilt", -0.05 + 0.04 * Math.Sin(2 * w));
            Set("pelvis_list", 0.05 * Math.Sin(w));
            Set("pelvis_rotation", heading + 0.1 * Math.Sin(w));
            Set("lumbar_extension", -0.1 + 0.03 * Math.Sin(2 * w));
        }
        return q;
    }

    /// <summary>Position along the 6 m path and heading (radians, unwrapped) at a time: straight legs joined by smooth 180° turns.</summary>
    private static (double X, double Heading) PathPosition(double time, double speed)
    {
        const double length = 6, turnSeconds = 1.5;
        double legSeconds = length / speed, cycle = legSeconds + turnSeconds;
        int leg = (int)Math.Floor(time / cycle);
        double within = time - leg * cycle, direction = leg % 2 == 0 ? 1 : -1;
        if (within < legSeconds)
            return (direction * (-length / 2 + speed * within), leg * Math.PI);
        double turn = (within - legSeconds) / turnSeconds;
        return (direction * length / 2, (leg + 0.5 - 0.5 * Math.Cos(Math.PI * turn)) * Math.PI);
    }

    /// <summary>Band-limited random motion: for each limited DoF three sinusoids of 0.3-2.5 Hz within ±25 % of its half-range; the root wanders slowly.</summary>
    private static double[] BandLimited(BodyModel model, int frames, double fps, Random random)
    {
        int n = model.CoordinateCount;
        var q = new double[frames * n];
        for (int d = 0; d < n; d++)
        {
            CoordinateDefinition c = model.Coordinates[d];
            double amplitude, centre;
            if (c.IsLimited)
            {
                double half = 0.5 * (c.UpperLimit - c.LowerLimit);
                amplitude = 0.25 * half;
                centre = Math.Clamp(0, c.LowerLimit + amplitude * 1.05, c.UpperLimit - amplitude * 1.05);
            }
            else
            {
                amplitude = c.Kind == CoordinateKind.Translation ? 0.5 : 0.3;
                centre = 0;
            }
            var terms = Enumerable.Range(0, 3).Select(_ => (A: random.NextDouble(), F: 0.3 + 2.2 * random.NextDouble(), P: 2 * Math.PI * random.NextDouble())).ToArray();
            double norm = terms.Sum(x => x.A);
            for (int t = 0; t < frames; t++)
            {
                double time = t / fps, v = 0;
                foreach ((double a, double f, double p) in terms) v += a / norm * Math.Sin(2 * Math.PI * (c.IsLimited ? f : f * 0.2) * time + p);
                double value = centre + amplitude * v;
                q[t * n + d] = c.IsLimited ? Math.Clamp(value, c.LowerLimit, c.UpperLimit) : value;
            }
        }
        return q;
    }

    private static double Gaussian(Random random)
    {
        double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static double[] Cross(double[] a, double[] b) => new[] { a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0] };

    private static double[] Normalize(double[] v)
    {
        double norm = Math.Sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        return new[] { v[0] / norm, v[1] / norm, v[2] / norm };
    }
}

/// <summary>Errors of a fit against synthetic ground truth.</summary>
/// <param name="CoordinateRmse">Per coordinate RMSE (radians or metres) over all frames.</param>
/// <param name="MeanSiteErrorMillimetres">Mean distance of fitted and true sites in the camera frame (absolute, so depth errors count).</param>
/// <param name="ScaleFactorErrors">Per body |fitted − true| of the body's scale factor 1 + Σβ.</param>
internal sealed record SyntheticErrors(double[] CoordinateRmse, double MeanSiteErrorMillimetres, double[] ScaleFactorErrors)
{
    public double MaxScaleFactorError => ScaleFactorErrors.Max();

    public static SyntheticErrors Compare(BodyModel model, SyntheticVideo truth, BiomechFitResult fit)
    {
        int n = model.CoordinateCount, frames = fit.FrameCount;
        var rmse = new double[n];
        for (int d = 0; d < n; d++)
        {
            double sum = 0;
            for (int t = 0; t < frames; t++) sum += Math.Pow(fit.CoordinateValues[t * n + d] - truth.TrueCoordinates[t * n + d], 2);
            rmse[d] = Math.Sqrt(sum / frames);
        }
        IReadOnlyList<double> rw = fit.CameraToWorldRotation;
        int sites = fit.SiteNames.Count;
        double siteSum = 0; int siteCount = 0;
        int[] truthIndex = fit.SiteNames.Select(name => truth.Keypoints.JointNames.ToList().IndexOf(name)).ToArray();
        for (int t = 0; t < frames; t++)
            for (int s = 0; s < sites; s++)
            {
                int j = truthIndex[s];
                if (j < 0) continue;
                int o = (t * sites + s) * 3;
                IReadOnlyList<double> c0 = fit.CameraPositionMetres;
                double wx = fit.SitePositionsMetres[o] - c0[0], wy = fit.SitePositionsMetres[o + 1] - c0[1], wz = fit.SitePositionsMetres[o + 2] - c0[2];
                // x_camera = R_wcᵀ·(x_world − camera)
                double cx = rw[0] * wx + rw[3] * wy + rw[6] * wz, cy = rw[1] * wx + rw[4] * wy + rw[7] * wz, cz = rw[2] * wx + rw[5] * wy + rw[8] * wz;
                int c = (t * truth.Keypoints.JointCount + j) * 3;
                siteSum += 1000 * Math.Sqrt(Math.Pow(cx - truth.TrueSitesCameraMetres[c], 2) + Math.Pow(cy - truth.TrueSitesCameraMetres[c + 1], 2) + Math.Pow(cz - truth.TrueSitesCameraMetres[c + 2], 2));
                siteCount++;
            }
        var factorErrors = new double[model.BodyCount - 1];
        for (int b = 1; b < model.BodyCount; b++)
        {
            double fitted = 1, expected = 1;
            for (int g = 0; g < model.ScaleGroupCount; g++)
                if (model.ScaleGroups[g].BodyIndices.Contains(b)) { fitted += fit.ScaleIncrements[g]; expected += truth.TrueScales[g]; }
            factorErrors[b - 1] = Math.Abs(fitted - expected);
        }
        return new SyntheticErrors(rmse, siteSum / Math.Max(siteCount, 1), factorErrors);
    }

    /// <summary>RMSE in degrees of the named coordinates (root-mean over them).</summary>
    public double RmseDegrees(BodyModel model, IEnumerable<int> coordinates) =>
        Math.Sqrt(coordinates.Select(d => CoordinateRmse[d] * CoordinateRmse[d]).Average()) * 180 / Math.PI;
}
