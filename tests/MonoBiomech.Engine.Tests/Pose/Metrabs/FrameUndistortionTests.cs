using MonoBiomech.Detection;
using MonoBiomech.Engine.Pose.Metrabs;
using MonoBiomech.Pose;
using OpenCvSharp;
using Xunit;

namespace MonoBiomech.Engine.Tests.Pose.Metrabs;

public class FrameUndistortionTests
{
    private static readonly CameraIntrinsics Distorted = CameraIntrinsics.Centred(900, 1280, 720) with { DistortionCoefficients = new[] { -0.25, 0.08, 0, 0, 0 } };

    // Where OpenCV's lens model puts a pinhole pixel.
    private static Point2d Distort(double u, double v)
    {
        double x = (u - Distorted.PrincipalPointXPixels) / Distorted.FocalLengthXPixels, y = (v - Distorted.PrincipalPointYPixels) / Distorted.FocalLengthYPixels;
        double r2 = x * x + y * y, factor = 1 - 0.25 * r2 + 0.08 * r2 * r2;
        return new Point2d(Distorted.FocalLengthXPixels * x * factor + Distorted.PrincipalPointXPixels, Distorted.FocalLengthYPixels * y * factor + Distorted.PrincipalPointYPixels);
    }

    [Fact]
    public void A_point_moves_to_where_the_pinhole_camera_sees_it()
    {
        (double u, double v) = (1100, 150); // near a corner, where the lens bends most
        Point2d seen = Distort(u, v);
        using var frame = new Mat(720, 1280, MatType.CV_8UC3, Scalar.All(0));
        Cv2.Circle(frame, new Point((int)Math.Round(seen.X), (int)Math.Round(seen.Y)), 4, Scalar.All(255), -1);
        Cv2.GaussianBlur(frame, frame, new Size(0, 0), 2);
        using var undistortion = new FrameUndistortion(Distorted);
        Mat pinhole = undistortion.Apply(frame);
        using var gray = new Mat();
        Cv2.CvtColor(pinhole, gray, ColorConversionCodes.BGR2GRAY);
        Moments m = Cv2.Moments(gray);
        // the blob was drawn at the rounded distorted position: allow that rounding, magnified by the lens
        Assert.InRange(m.M10 / m.M00 - u, -1.0, 1.0);
        Assert.InRange(m.M01 / m.M00 - v, -1.0, 1.0);
        Assert.True(Math.Abs(seen.X - u) > 20, "the lens moves this point noticeably");
    }

    [Fact]
    public void A_box_becomes_the_box_around_its_undistorted_outline()
    {
        using var undistortion = new FrameUndistortion(Distorted);
        Point2d topLeft = Distort(900, 100), bottomRight = Distort(1200, 600);
        var box = new PersonBox((float)topLeft.X, (float)topLeft.Y, (float)(bottomRight.X - topLeft.X), (float)(bottomRight.Y - topLeft.Y), 0.8f);
        PersonBox pinhole = undistortion.Apply(box);
        // It holds the corners where the pinhole camera sees them; its edges bow out a little (the lens bent them in).
        Assert.InRange(pinhole.XPixels, 900 - 25, 900.5);
        Assert.InRange(pinhole.YPixels, 100 - 25, 100.5);
        Assert.InRange(pinhole.XPixels + pinhole.WidthPixels, 1199.5, 1200 + 25);
        Assert.InRange(pinhole.YPixels + pinhole.HeightPixels, 599.5, 600 + 25);
        Assert.Equal(0.8f, pinhole.Score);
    }
}
