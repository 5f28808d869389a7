using MonoBiomech.Detection;
using MonoBiomech.Pose;

namespace MonoBiomech.Engine.Pose.Metrabs;

/// <summary>
/// One test-time augmentation of a crop: the photometric exponent, the zoom and whether the crop is mirrored.
/// </summary>
/// <param name="Gamma">The crop's values are (linear light)^(Gamma / 2.2), i.e. about (sRGB value)^Gamma.</param>
/// <param name="Scale">Zoom relative to the box filling the crop (0.8: the person appears smaller).</param>
/// <param name="Flipped">The crop is mirrored left-right; the network's left and right joints are swapped back.</param>
public sealed record MetrabsAugmentation(double Gamma, double Scale, bool Flipped)
{
    /// <summary>
    /// MeTRAbs' table for <paramref name="count"/> augmentations (5: gammas 0.6..1.0, scales 0.8, 0.9, 1.0, 1.05, 1.1,
    /// the 2nd and 4th mirrored; 1: gamma 0.8, scale 1.05, not mirrored). No rotation: the ONNX export's variant uses none.
    /// </summary>
    public static IReadOnlyList<MetrabsAugmentation> Table(int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "At least one augmentation.");
        double[] gammas = Linspace(0.6, 1.0, count, endpoint: true);
        double[] scales = Linspace(0.8, 1.0, count / 2, endpoint: false).Concat(Linspace(1.0, 1.1, count - count / 2, endpoint: true)).ToArray();
        return Enumerable.Range(0, count)
            .Select(a => new MetrabsAugmentation(gammas[a], scales[a], Flipped: (((a - count / 2) % 2) + 2) % 2 != 0))
            .ToArray();
    }

    // MeTRAbs' linspace: a single value is the middle of the range (endpoint) or its start.
    private static double[] Linspace(double start, double stop, int count, bool endpoint)
    {
        if (count == 1) return new[] { endpoint ? (start + stop) / 2 : start };
        double step = (stop - start) / (endpoint ? count - 1 : count);
        return Enumerable.Range(0, count).Select(i => start + i * step).ToArray();
    }
}

/// <summary>
/// Where one augmented crop of a subject box looks: a virtual camera at the video camera's centre, turned to look at
/// the box centre with no roll against the image's vertical, zoomed so the box's longer side fills the crop.
/// All of it is MeTRAbs' perspective-correct crop (reference/metrabs-pipeline.md §6), in double precision.
/// </summary>
/// <param name="Rotation">Video camera frame to crop camera frame: p_crop = R · p (rows are the crop camera's axes; the mirror included).</param>
/// <param name="CropIntrinsics">The crop camera's intrinsics, pixels of the crop (principal point at side/2, as the network was trained).</param>
/// <param name="PyramidLevel">The image-pyramid level the crop is sampled from (0: the frame itself; level l halves it l times).</param>
/// <param name="CropToLevelPixels">Homography from crop pixels to pixels of the pyramid level (pixel centres at integers).</param>
internal sealed record MetrabsCropGeometry(Matrix3 Rotation, Matrix3 CropIntrinsics, int PyramidLevel, Matrix3 CropToLevelPixels, MetrabsAugmentation Augmentation)
{
    /// <summary>The coarsest image-pyramid level a crop samples from (each level halves the frame).</summary>
    public const int MaxPyramidLevel = 2;

    // The image's "up" in camera coordinates (y points down in the image), which keeps the crop camera upright.
    private static readonly Vector3d CameraUp = new(0, -1, 0);

    /// <summary>The 3×3 intrinsic matrix of a camera.</summary>
    public static Matrix3 IntrinsicMatrix(CameraIntrinsics camera) =>
        new(camera.FocalLengthXPixels, 0, camera.PrincipalPointXPixels, 0, camera.FocalLengthYPixels, camera.PrincipalPointYPixels, 0, 0, 1);

    /// <summary>
    /// The rotation that turns the camera to look at the box centre, and the box's scale: the crop side over the longer
    /// side of the box as the turned camera sees it.
    /// </summary>
    public static (Matrix3 Rotation, double BoxScale) LookAtBox(CameraIntrinsics camera, PersonBox box, int cropSidePixels)
    {
        Matrix3 k = IntrinsicMatrix(camera), kInverse = k.Inverse();
        double x = box.XPixels, y = box.YPixels, w = box.WidthPixels, h = box.HeightPixels;
        Vector3d Ray(double u, double v) => kInverse * new Vector3d(u, v, 1);
        Vector3d centre = Ray(x + w / 2, y + h / 2);
        Vector3d forward = centre.Normalized();
        Vector3d side = forward.Cross(CameraUp);
        // Looking straight up or down: the cross product vanishes; fall back to the same axis MeTRAbs takes.
        side = side.Length > 0 ? side.Normalized() : new Vector3d(forward.Z, 0, -forward.X).Normalized();
        Matrix3 rotation = Matrix3.FromRows(side, forward.Cross(side), forward);

        Matrix3 turned = k * rotation;
        (double X, double Y) Seen(double u, double v) => (turned * Ray(u, v)).Project();
        var top = Seen(x + w / 2, y);
        var bottom = Seen(x + w / 2, y + h);
        var left = Seen(x, y + h / 2);
        var right = Seen(x + w, y + h / 2);
        double vertical = Math.Sqrt((top.X - bottom.X) * (top.X - bottom.X) + (top.Y - bottom.Y) * (top.Y - bottom.Y));
        double horizontal = Math.Sqrt((right.X - left.X) * (right.X - left.X) + (right.Y - left.Y) * (right.Y - left.Y));
        return (rotation, cropSidePixels / Math.Max(vertical, horizontal));
    }

    /// <summary>The crop of <paramref name="box"/> under <paramref name="augmentation"/>, with a crop of <paramref name="cropSidePixels"/> square.</summary>
    public static MetrabsCropGeometry For(CameraIntrinsics camera, PersonBox box, MetrabsAugmentation augmentation, int cropSidePixels)
    {
        (Matrix3 lookAt, double boxScale) = LookAtBox(camera, box, cropSidePixels);
        Matrix3 rotation = augmentation.Flipped ? new Matrix3(-1, 0, 0, 0, 1, 0, 0, 0, 1) * lookAt : lookAt;
        double s = augmentation.Scale * boxScale, centre = cropSidePixels / 2.0;
        var cropIntrinsics = new Matrix3(s * camera.FocalLengthXPixels, 0, centre, 0, s * camera.FocalLengthYPixels, centre, 0, 0, 1);

        // Sample from the level whose resolution is closest above the crop's, so bilinear sampling does not alias.
        int level = Math.Clamp((int)Math.Floor(-Math.Log2(s)), 0, MaxPyramidLevel);
        double f = Math.Pow(2, -level), offset = (f - 1) / 2; // pixel centres: x_l + ½ = f · (x + ½)
        Matrix3 levelIntrinsics = new Matrix3(f, 0, offset, 0, f, offset, 0, 0, 1) * IntrinsicMatrix(camera);
        Matrix3 homography = levelIntrinsics * (cropIntrinsics * rotation).Inverse();
        double h22 = homography[2, 2];
        Matrix3 normalised = new Matrix3(1 / h22, 0, 0, 0, 1 / h22, 0, 0, 0, 1 / h22) * homography;
        return new MetrabsCropGeometry(rotation, cropIntrinsics, level, normalised, augmentation);
    }
}
