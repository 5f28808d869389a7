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

    /// <summary>Projects a camera-frame point (any length unit, z &gt; 0) to pixels.</summary>
    public (double X, double Y) Project(double x, double y, double z) =>
        (FocalLengthXPixels * x / z + PrincipalPointXPixels, FocalLengthYPixels * y / z + PrincipalPointYPixels);
}
