namespace MonoBiomech.Pose;

/// <summary>
/// Pinhole camera intrinsics without distortion, in pixels. The image origin is the centre of the top-left pixel,
/// x to the right, y down; the camera looks along +z (OpenCV convention).
/// </summary>
public sealed record CameraIntrinsics(double FocalLengthXPixels, double FocalLengthYPixels,
    double PrincipalPointXPixels, double PrincipalPointYPixels, int ImageWidthPixels, int ImageHeightPixels)
{
    /// <summary>
    /// The camera MeTRAbs assumes when none is given: a field of view of <paramref name="fieldOfViewDegrees"/>
    /// across the larger image side, principal point at the image centre.
    /// </summary>
    public static CameraIntrinsics FromFieldOfView(int widthPixels, int heightPixels, double fieldOfViewDegrees = 55.0)
    {
        double focal = Math.Max(widthPixels, heightPixels) / (2.0 * Math.Tan(fieldOfViewDegrees * Math.PI / 360.0));
        return Centred(focal, widthPixels, heightPixels);
    }

    /// <summary>
    /// Square pixels (fx = fy = <paramref name="focalLengthPixels"/>) and the principal point at the image centre,
    /// ((width − 1) / 2, (height − 1) / 2) with the origin at the centre of the top-left pixel.
    /// </summary>
    public static CameraIntrinsics Centred(double focalLengthPixels, int widthPixels, int heightPixels) =>
        new(focalLengthPixels, focalLengthPixels, (widthPixels - 1) / 2.0, (heightPixels - 1) / 2.0, widthPixels, heightPixels);

    /// <summary>
    /// The camera upstream's fit hard-codes for every video (a Samsung Galaxy S20 in portrait, no distortion). Only a
    /// fallback for keypoint files that come with neither a camera nor their video.
    /// </summary>
    public static CameraIntrinsics UpstreamSamsungS20 { get; } = Centred(1433.33, 1080, 1920);

    /// <summary>
    /// The lens distortion as OpenCV models it, (k1, k2, p1, p2[, k3[, k4, k5, k6]]); null for a pinhole camera. The pose
    /// stage removes it from the 2D keypoints, so the keypoints it emits, and their camera, have none.
    /// </summary>
    public IReadOnlyList<double>? DistortionCoefficients { get; init; }

    /// <summary>True when <see cref="DistortionCoefficients"/> has a non-zero value.</summary>
    public bool IsDistorted => DistortionCoefficients?.Any(d => d != 0) == true;

    /// <summary>The same intrinsics scaled to another image size (a calibration made at another resolution).</summary>
    public CameraIntrinsics ScaledTo(int widthPixels, int heightPixels)
    {
        double sx = widthPixels / (double)ImageWidthPixels, sy = heightPixels / (double)ImageHeightPixels;
        // pixel centres: x' + ½ = s·(x + ½)
        return this with
        {
            FocalLengthXPixels = FocalLengthXPixels * sx, FocalLengthYPixels = FocalLengthYPixels * sy,
            PrincipalPointXPixels = (PrincipalPointXPixels + 0.5) * sx - 0.5, PrincipalPointYPixels = (PrincipalPointYPixels + 0.5) * sy - 0.5,
            ImageWidthPixels = widthPixels, ImageHeightPixels = heightPixels,
        };
    }

    /// <summary>Projects a camera-frame point (any length unit, z &gt; 0) to pixels.</summary>
    public (double X, double Y) Project(double x, double y, double z) =>
        (FocalLengthXPixels * x / z + PrincipalPointXPixels, FocalLengthYPixels * y / z + PrincipalPointYPixels);
}
