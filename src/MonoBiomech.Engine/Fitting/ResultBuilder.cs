using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Fitting;

using MonoBiomech.Engine.Fitting.Solver;

namespace MonoBiomech.Engine.Fitting;

/// <summary>Turns the fitted state of one video into a <see cref="BiomechFitResult"/>.</summary>
internal static class ResultBuilder
{
    public static BiomechFitResult Build(BodyModel model, VideoFitProblem problem, SubjectFitState subject, int videoIndex,
        IReadOnlyList<FitStageOutcome> stages, BiomechFitSettings settings, TimeSpan elapsed)
    {
        VideoFitState video = subject.Videos[videoIndex];
        int n = model.CoordinateCount, frames = video.FrameCount, bodies = model.BodyCount;
        double[] scales = subject.ScaleIncrements, siteOffsets = subject.SiteOffsetsMetres;
        // Sites in the input's keypoint order (upstream's movi order for MeTRAbs input), then any other model sites.
        var siteOrder = problem.Binding.SiteOfKeypoint.Where(s => s >= 0).Distinct().ToList();
        siteOrder.AddRange(Enumerable.Range(0, model.SiteCount).Where(s => !siteOrder.Contains(s)));
        var sitePositions = new double[frames * siteOrder.Count * 3];
        var bodyPositions = new double[frames * bodies * 3];
        var ws = new KinematicsWorkspace(model);
        double[] coordinates = (double[])video.Coordinates.Clone();
        // World origin moved from the camera centre down to the floor (the model stands on z = 0 as in the MJCF world),
        // found from the model's sites without the fitted offsets, since the floor is where the model's feet are.
        double floor = FloorContact.MoveFloorToZero(model, coordinates, frames, scales);
        double cameraHeight = double.IsNaN(floor) ? 0 : -floor;
        for (int t = 0; t < frames; t++)
        {
            Kinematics.Forward(model, coordinates.AsSpan(t * n, n), scales, siteOffsets, ws);
            for (int i = 0; i < siteOrder.Count; i++)
                Array.Copy(ws.SitePositionsMetres, siteOrder[i] * 3, sitePositions, (t * siteOrder.Count + i) * 3, 3);
            Array.Copy(ws.BodyPositionsMetres, 0, bodyPositions, t * bodies * 3, bodies * 3);
        }
        var offsets = new double[siteOrder.Count * 3];
        for (int i = 0; i < siteOrder.Count; i++) Array.Copy(siteOffsets, siteOrder[i] * 3, offsets, i * 3, 3);

        ReadOnlySpan<double> r = problem.WorldToCamera;
        double[] keypointPositions = KeypointsInWorld(problem, video, r, cameraHeight);
        FitResiduals residuals = FitResiduals.Measure(model, problem, video, subject);
        FitStageOutcome last = stages[^1];
        return new BiomechFitResult
        {
            Source = problem.Source,
            TimestampsSeconds = Array.AsReadOnly(problem.TimestampsSeconds.ToArray()),
            Coordinates = model.Coordinates.Select(c => new FitCoordinate(c.Name, c.Kind)).ToArray(),
            CoordinateValues = Array.AsReadOnly(coordinates),
            CoordinateVelocities = Array.AsReadOnly(Velocities(coordinates, problem.TimestampsSeconds, n)),
            SiteNames = siteOrder.Select(s => model.Sites[s].Name).ToArray(),
            SitePositionsMetres = Array.AsReadOnly(sitePositions),
            BodyNames = model.Bodies.Select(b => b.Name).ToArray(),
            BodyPositionsMetres = Array.AsReadOnly(bodyPositions),
            ScaleGroupNames = model.ScaleGroups.Select(g => g.Name).ToArray(),
            ScaleIncrements = Array.AsReadOnly(scales.ToArray()),
            SiteOffsetsMetres = Array.AsReadOnly(offsets),
            CameraToWorldRotation = Array.AsReadOnly(new[] { r[0], r[3], r[6], r[1], r[4], r[7], r[2], r[5], r[8] }),
            CameraPositionMetres = Array.AsReadOnly(new[] { 0, 0, cameraHeight }),
            Camera = problem.Camera,
            BodyModelName = model.Name,
            BodyModelPath = model.SourcePath,
            KeypointSetName = problem.KeypointSetName,
            Settings = settings,
            Metrics = new FitMetrics(stages.Skip(1).Sum(s => s.Iterations), stages[0].Iterations, last.FinalCost, residuals.Mean3dErrorMillimetres, residuals.Mean2dErrorPixels,
                elapsed, last.ExitReason),
            KeypointResiduals = problem.KeypointNames.Select((name, k) =>
                new KeypointResidual(name, residuals.Keypoint3dErrorMillimetres[k], residuals.Keypoint2dErrorPixels[k])).ToArray(),
            SwappedFrames = problem.SwappedFrames,
            KeypointNames = problem.KeypointNames.ToArray(),
            KeypointPositionsMetres = Array.AsReadOnly(keypointPositions),
        };
    }

    /// <summary>The observed 3D keypoints less each frame's τ, in the world frame (x = Rᵀ·x_camera + camera centre); NaN where unused.</summary>
    private static double[] KeypointsInWorld(VideoFitProblem problem, VideoFitState video, ReadOnlySpan<double> r, double cameraHeight)
    {
        int frames = problem.FrameCount, keypoints = problem.KeypointCount;
        var world = new double[frames * keypoints * 3];
        ReadOnlySpan<double> observed = problem.Observed3dMetres, weights = problem.Weight3d;
        double[] tau = video.KeypointOffsetsMetres;
        for (int t = 0; t < frames; t++)
            for (int k = 0; k < keypoints; k++)
            {
                int o = (t * keypoints + k) * 3;
                double x = observed[o] - tau[t * 3], y = observed[o + 1] - tau[t * 3 + 1], z = observed[o + 2] - tau[t * 3 + 2];
                bool used = weights[t * keypoints + k] > 0 && double.IsFinite(x + y + z);
                world[o] = used ? r[0] * x + r[3] * y + r[6] * z : double.NaN;
                world[o + 1] = used ? r[1] * x + r[4] * y + r[7] * z : double.NaN;
                world[o + 2] = used ? r[2] * x + r[5] * y + r[8] * z + cameraHeight : double.NaN;
            }
        return world;
    }

    /// <summary>
    /// Time derivative of the per-frame coordinates: the derivative of the parabola through each frame and its neighbours
    /// (second-order accurate, non-uniform spacing allowed); one-sided at the ends.
    /// </summary>
    internal static double[] Velocities(double[] q, ReadOnlySpan<double> timestamps, int n)
    {
        int frames = timestamps.Length;
        var velocity = new double[q.Length];
        if (frames < 2) return velocity;
        for (int t = 0; t < frames; t++)
        {
            for (int d = 0; d < n; d++)
            {
                if (t == 0 || t == frames - 1)
                {
                    int a = t == 0 ? 0 : frames - 2;
                    velocity[t * n + d] = (q[(a + 1) * n + d] - q[a * n + d]) / Math.Max(timestamps[a + 1] - timestamps[a], 1e-9);
                    continue;
                }
                double h0 = timestamps[t] - timestamps[t - 1], h1 = timestamps[t + 1] - timestamps[t];
                double back = (q[t * n + d] - q[(t - 1) * n + d]) / h0, forward = (q[(t + 1) * n + d] - q[t * n + d]) / h1;
                velocity[t * n + d] = (h1 * back + h0 * forward) / (h0 + h1);
            }
        }
        return velocity;
    }
}
