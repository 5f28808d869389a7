using MonoBiomech.Pose;
using static MonoBiomech.Engine.Tests.Fitting.Monocular.BenchMath;

namespace MonoBiomech.Engine.Tests.Fitting.Monocular;

/// <summary>Where the phone stands relative to the subject (who faces world +x).</summary>
public enum MonocularView
{
    /// <summary>Sagittal: on the subject's right, looking across the direction of motion.</summary>
    Side,

    /// <summary>In front of the subject, looking back at them.</summary>
    Front,

    /// <summary>Front-right, 45° between front and side.</summary>
    Oblique,
}

/// <summary>
/// A static phone on a tripod: 3–5 m from the subject, 1.2–1.5 m high, aimed at the middle of the space the subject
/// uses (so pitched slightly down), landscape 1920x1080 for side and oblique views and portrait 1080x1920 for the front
/// view, 65–70° field of view on the long side, principal point at the centre. It backs off (up to 5 m) until every
/// keypoint of every frame is inside the image with a margin.
/// </summary>
/// <param name="WorldToCamera">Row-major 3x3 R with x_camera = R (x_world − position); camera x right, y down, z forward.</param>
internal sealed record VirtualPhoneCamera(MonocularView View, CameraIntrinsics Intrinsics, double[] WorldToCamera, double[] PositionMetres, double DistanceMetres)
{
    private const double MaxDistanceMetres = 5, MarginFraction = 0.03;

    public (double X, double Y, double Z) ToCamera((double X, double Y, double Z) world)
    {
        double dx = world.X - PositionMetres[0], dy = world.Y - PositionMetres[1], dz = world.Z - PositionMetres[2];
        double[] r = WorldToCamera;
        return (r[0] * dx + r[1] * dy + r[2] * dz, r[3] * dx + r[4] * dy + r[5] * dz, r[6] * dx + r[7] * dy + r[8] * dz);
    }

    public static VirtualPhoneCamera Create(MonocularMotionClip clip, MonocularView view, Random random)
    {
        // The box the keypoints fill over the clip; the camera aims at its centre.
        var all = Enumerable.Range(0, clip.FrameCount).SelectMany(f => Enumerable.Range(0, clip.KeypointNames.Length).Select(k => clip.Keypoint(f, k))).ToArray();
        double[] target = { (all.Min(p => p.X) + all.Max(p => p.X)) / 2, (all.Min(p => p.Y) + all.Max(p => p.Y)) / 2, (all.Min(p => p.Z) + all.Max(p => p.Z)) / 2 };
        double azimuthDegrees = view switch { MonocularView.Side => -90, MonocularView.Front => 0, MonocularView.Oblique => -45, _ => throw new ArgumentOutOfRangeException(nameof(view)) };
        double azimuth = (azimuthDegrees + 10 * (random.NextDouble() - 0.5)) * Math.PI / 180;
        double height = 1.2 + 0.3 * random.NextDouble(), fieldOfView = 65 + 5 * random.NextDouble();
        CameraIntrinsics intrinsics = view == MonocularView.Front
            ? CameraIntrinsics.FromFieldOfView(1080, 1920, fieldOfView)
            : CameraIntrinsics.FromFieldOfView(1920, 1080, fieldOfView);
        for (double distance = 3 + random.NextDouble(); distance <= MaxDistanceMetres; distance += 0.1)
        {
            double[] position = { target[0] + distance * Math.Cos(azimuth), target[1] + distance * Math.Sin(azimuth), height };
            double[] forward = Normalize([target[0] - position[0], target[1] - position[1], target[2] - position[2]]);
            double[] right = Normalize(Cross(forward, [0, 0, 1]));
            double[] down = Cross(forward, right);
            var camera = new VirtualPhoneCamera(view, intrinsics, [.. right, .. down, .. forward], position, distance);
            if (all.All(camera.SeesWithMargin)) return camera;
        }
        throw new InvalidOperationException($"{clip.Motion} does not fit in a {view} view within {MaxDistanceMetres} m.");
    }

    private bool SeesWithMargin((double X, double Y, double Z) world)
    {
        (double x, double y, double z) = ToCamera(world);
        if (z <= 0.5) return false;
        (double u, double v) = Intrinsics.Project(x, y, z);
        double margin = MarginFraction * Math.Min(Intrinsics.ImageWidthPixels, Intrinsics.ImageHeightPixels);
        return u >= margin && v >= margin && u <= Intrinsics.ImageWidthPixels - 1 - margin && v <= Intrinsics.ImageHeightPixels - 1 - margin;
    }
}
