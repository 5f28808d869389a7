using MonoBiomech.Detection;
using MonoBiomech.Pose;
using OpenCvSharp;

namespace MonoBiomech.Engine.Pose.Metrabs;

/// <summary>
/// Removes a camera's lens distortion from whole frames (one remap table, made once per video) and from subject boxes,
/// so the crops are true perspective views of a pinhole camera with the same intrinsics.
/// </summary>
internal sealed class FrameUndistortion : IDisposable
{
    private readonly Mat _mapX = new(), _mapY = new(), _undistorted = new();
    private readonly CameraIntrinsics _camera;

    public FrameUndistortion(CameraIntrinsics camera)
    {
        _camera = camera;
        using var matrix = Mat.FromPixelData(3, 3, MatType.CV_64FC1, MetrabsCropGeometry.IntrinsicMatrix(camera).ToArray());
        using var distortion = Mat.FromPixelData(1, camera.DistortionCoefficients!.Count, MatType.CV_64FC1, camera.DistortionCoefficients.ToArray());
        using var noRectification = new Mat(); // empty: identity
        Cv2.InitUndistortRectifyMap(matrix, distortion, noRectification, matrix, new Size(camera.ImageWidthPixels, camera.ImageHeightPixels),
            MatType.CV_32FC1, _mapX, _mapY);
    }

    /// <summary>The frame as the pinhole camera would have seen it (valid until the next call).</summary>
    public Mat Apply(Mat frame)
    {
        Cv2.Remap(frame, _undistorted, _mapX, _mapY, InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
        return _undistorted;
    }

    /// <summary>The box around the undistorted corners and edge midpoints of <paramref name="box"/>.</summary>
    public PersonBox Apply(PersonBox box)
    {
        double x0 = box.XPixels, y0 = box.YPixels, x1 = x0 + box.WidthPixels, y1 = y0 + box.HeightPixels, xm = (x0 + x1) / 2, ym = (y0 + y1) / 2;
        double[] outline = { x0, y0, xm, y0, x1, y0, x1, ym, x1, y1, xm, y1, x0, y1, x0, ym };
        PoseEstimationPipeline.Undistort(outline, _camera);
        var xs = outline.Where((_, i) => i % 2 == 0).ToArray();
        var ys = outline.Where((_, i) => i % 2 == 1).ToArray();
        return box with { XPixels = (float)xs.Min(), YPixels = (float)ys.Min(), WidthPixels = (float)(xs.Max() - xs.Min()), HeightPixels = (float)(ys.Max() - ys.Min()) };
    }

    public void Dispose()
    {
        _mapX.Dispose();
        _mapY.Dispose();
        _undistorted.Dispose();
    }
}
