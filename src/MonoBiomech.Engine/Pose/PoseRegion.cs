using MonoBiomech.Detection;

namespace MonoBiomech.Engine.Pose;

/// <summary>
/// A rotated square region of a frame that a landmark network sees as its whole input (MediaPipe's ROI): centre and side
/// in frame pixels (origin at the centre of the top-left pixel, y down), rotated clockwise on screen by
/// <see cref="RotationRadians"/> so that the body stands upright in the crop.
/// </summary>
public readonly record struct PoseRegion(double CentreXPixels, double CentreYPixels, double SidePixels, double RotationRadians)
{
    /// <summary>MediaPipe's margin around the alignment-point square (RectTransformation scale 1.25).</summary>
    private const double AlignmentMargin = 1.25;

    /// <summary>
    /// An upright region from a person box, for a track's first frame: the network is trained on squares of 2.5 times
    /// the hip-to-head-top distance (about 1.4 body heights) centred on the hips, which sit near a standing box's centre.
    /// Only a seed: the landmarks found in it give the real, rotated region.
    /// </summary>
    private const double BoxSideFactor = 1.4;

    public static PoseRegion FromBox(PersonBox box) => new(
        box.CenterXPixels, box.CenterYPixels, BoxSideFactor * Math.Max(box.WidthPixels, box.HeightPixels), 0);

    /// <summary>
    /// MediaPipe's region from two alignment points: the hip centre (centre) and a point above the head (scale); side
    /// 2·1.25 times their distance, rotated so that the hip-to-head direction points up in the crop.
    /// </summary>
    public static PoseRegion FromAlignmentPoints(double hipX, double hipY, double scaleX, double scaleY)
    {
        double dx = scaleX - hipX, dy = scaleY - hipY;
        double rotation = Math.PI / 2 - Math.Atan2(-dy, dx);
        rotation -= 2 * Math.PI * Math.Floor((rotation + Math.PI) / (2 * Math.PI)); // into [-π, π)
        return new PoseRegion(hipX, hipY, 2 * AlignmentMargin * Math.Sqrt(dx * dx + dy * dy), rotation);
    }

    /// <summary>The frame point of a crop point given in the crop's normalised coordinates (0..1 across, from its top-left edge).</summary>
    public (double X, double Y) FromNormalised(double xNormalised, double yNormalised)
    {
        double lx = (xNormalised - 0.5) * SidePixels, ly = (yNormalised - 0.5) * SidePixels;
        (double c, double s) = (Math.Cos(RotationRadians), Math.Sin(RotationRadians));
        return (CentreXPixels + c * lx - s * ly, CentreYPixels + s * lx + c * ly);
    }

    /// <summary>
    /// The affine map (2x3, row-major) from the pixel centres of a <paramref name="cropPixels"/>² crop to frame pixels,
    /// for a frame scaled by <paramref name="frameScale"/> first (the crop is sampled from the scaled frame).
    /// </summary>
    public double[] CropToFrameMatrix(int cropPixels, double frameScale)
    {
        double step = SidePixels / cropPixels;
        (double c, double s) = (Math.Cos(RotationRadians), Math.Sin(RotationRadians));
        // frame(u, v) = centre + R · (step · (u + ½) − side/2) per axis, then into the scaled frame's pixel centres.
        double ox = step * 0.5 - SidePixels / 2;
        double bx = CentreXPixels + c * ox - s * ox, by = CentreYPixels + s * ox + c * ox;
        return new[]
        {
            frameScale * c * step, -frameScale * s * step, (bx + 0.5) * frameScale - 0.5,
            frameScale * s * step, frameScale * c * step, (by + 0.5) * frameScale - 0.5,
        };
    }
}
