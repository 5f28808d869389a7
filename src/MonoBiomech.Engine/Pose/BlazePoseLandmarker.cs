using MonoBiomech.Pose;
using OpenCvSharp;
using OpenCvSharp.Dnn;

namespace MonoBiomech.Engine.Pose;

/// <summary>
/// What the landmark network found in one region, in the frame: 39 points (the 33 BlazePose landmarks, then the hip
/// centre and the scale point above the head that place the next frame's region).
/// </summary>
public sealed class BlazePoseLandmarks
{
    public const int PointCount = 39;
    public const int LandmarkCount = 33;
    public const int HipCentre = 33, ScalePoint = 34;

    /// <summary>[point, xy] frame pixels, heatmap-refined.</summary>
    public double[] ImagePixels { get; } = new double[PointCount * 2];

    /// <summary>[point, xyz] metres from the hip centre, in the camera's axes (x right, y down, z away from the camera).</summary>
    public double[] WorldMetres { get; } = new double[PointCount * 3];

    /// <summary>[point] probability that the point is visible (in the frame and not occluded).</summary>
    public double[] Visibility { get; } = new double[PointCount];

    /// <summary>[point] probability that the point is in the frame.</summary>
    public double[] Presence { get; } = new double[PointCount];

    /// <summary>Probability that the region holds a person (MediaPipe rejects a region below 0.5).</summary>
    public double PoseFlag { get; set; }

    public PoseRegion Region { get; set; }

    /// <summary>The region MediaPipe derives from these landmarks for the next frame.</summary>
    public PoseRegion NextRegion() => PoseRegion.FromAlignmentPoints(
        ImagePixels[HipCentre * 2], ImagePixels[HipCentre * 2 + 1], ImagePixels[ScalePoint * 2], ImagePixels[ScalePoint * 2 + 1]);
}

/// <summary>
/// One BlazePose GHUM 3D landmark network (TFLite, through OpenCV's importer) and the step around it: the rotated region
/// warped to the 256-pixel input, the outputs decoded, refined from the heatmaps and mapped back into the frame and the
/// camera. Not thread-safe: one per thread.
/// </summary>
public sealed class BlazePoseLandmarker : IDisposable
{
    public const int InputPixels = 256;
    private const int HeatmapPixels = 64;
    /// <summary>MediaPipe's pose graph: a 7x7 heatmap window, refined only where its peak is at least 0.5.</summary>
    private const int RefinementKernel = 7;
    private const double MinimumHeatmapConfidence = 0.5;

    private static readonly string[] OutputNames = { "Identity", "Identity_1", "Identity_3", "Identity_4" };

    private readonly Net net;
    private readonly Mat crop = new(), scaled = new();
    private readonly Mat[] outputs = { new(), new(), new(), new() };

    /// <exception cref="PoseModelFileException">The file is not a network OpenCV can load, or has other outputs.</exception>
    public BlazePoseLandmarker(string modelPath, BlazePoseComplexity complexity)
    {
        ModelPath = modelPath;
        Complexity = complexity;
        try
        {
            net = CvDnn.ReadNet(modelPath) ?? throw new OpenCVException(0, "ReadNet", "no network", modelPath, 0);
            string[] names = net.GetUnconnectedOutLayersNames().Select(n => n ?? "").ToArray();
            if (OutputNames.Any(n => !names.Contains(n)))
                throw new PoseModelFileException($"'{modelPath}' is not a BlazePose landmark network: its outputs are {string.Join(", ", names)}.", Array.Empty<string>());
        }
        catch (OpenCVException e)
        {
            throw new PoseModelFileException($"OpenCV cannot load the BlazePose network '{modelPath}': {e.Message}", Array.Empty<string>());
        }
    }

    public string ModelPath { get; }
    public BlazePoseComplexity Complexity { get; }

    public string Description => $"BlazePose GHUM 3D {Complexity} ({Path.GetFileName(ModelPath)})";

    /// <summary>Runs the network on <paramref name="region"/> of a BGR frame seen through <paramref name="camera"/>.</summary>
    public BlazePoseLandmarks Run(Mat frameBgr, PoseRegion region, CameraIntrinsics camera)
    {
        ArgumentNullException.ThrowIfNull(frameBgr);
        if (frameBgr.Empty() || frameBgr.Type() != MatType.CV_8UC3)
            throw new ArgumentException("The frame must be a non-empty 8-bit BGR image.", nameof(frameBgr));
        if (!(region.SidePixels > 0))
            throw new ArgumentOutOfRangeException(nameof(region), region.SidePixels, "The region must have a positive side.");
        // Only the part of the frame under the region is used: its bounding box (plus a pixel for the bilinear taps),
        // shrunk first by area averaging when the region is much larger than the input, so the bilinear warp does not
        // alias; then one warp cuts, rotates and scales the region (the border replicated where it leaves the frame).
        double halfExtent = region.SidePixels / 2 * (Math.Abs(Math.Cos(region.RotationRadians)) + Math.Abs(Math.Sin(region.RotationRadians))) + 2;
        int left = Math.Clamp((int)Math.Floor(region.CentreXPixels - halfExtent), 0, frameBgr.Width - 1);
        int top = Math.Clamp((int)Math.Floor(region.CentreYPixels - halfExtent), 0, frameBgr.Height - 1);
        int right = Math.Clamp((int)Math.Ceiling(region.CentreXPixels + halfExtent), left + 1, frameBgr.Width);
        int bottom = Math.Clamp((int)Math.Ceiling(region.CentreYPixels + halfExtent), top + 1, frameBgr.Height);
        using Mat window = frameBgr[new Rect(left, top, right - left, bottom - top)];
        PoseRegion inWindow = region with { CentreXPixels = region.CentreXPixels - left, CentreYPixels = region.CentreYPixels - top };
        double frameScale = Math.Min(1, 1.5 * InputPixels / region.SidePixels);
        Mat source = window;
        if (frameScale < 1)
        {
            // With fx = fy given (no size), OpenCV samples at exactly this scale: dst x ↔ src (x + ½) / scale − ½.
            Cv2.Resize(window, scaled, new Size(), frameScale, frameScale, InterpolationFlags.Area);
            source = scaled;
        }
        double[] m = inWindow.CropToFrameMatrix(InputPixels, frameScale);
        using (var cropToFrame = Mat.FromPixelData(2, 3, MatType.CV_64FC1, m))
            Cv2.WarpAffine(source, crop, cropToFrame, new Size(InputPixels, InputPixels),
                InterpolationFlags.Linear | InterpolationFlags.WarpInverseMap, BorderTypes.Replicate);

        using (Mat blob = CvDnn.BlobFromImage(crop, 1 / 255.0, new Size(InputPixels, InputPixels), new Scalar(), swapRB: true, crop: false))
        {
            net.SetInput(blob);
            net.Forward(outputs, OutputNames);
        }
        return Decode(region, camera);
    }

    private unsafe BlazePoseLandmarks Decode(PoseRegion region, CameraIntrinsics camera)
    {
        var result = new BlazePoseLandmarks { Region = region };
        float* screen = (float*)outputs[0].DataPointer, flag = (float*)outputs[1].DataPointer;
        float* heatmaps = (float*)outputs[2].DataPointer, world = (float*)outputs[3].DataPointer;
        result.PoseFlag = flag[0];
        (double cos, double sin) = (Math.Cos(region.RotationRadians), Math.Sin(region.RotationRadians));
        double[] toCamera = RayRotation(region, camera);
        for (int p = 0; p < BlazePoseLandmarks.PointCount; p++)
        {
            double xn = screen[p * 5] / InputPixels, yn = screen[p * 5 + 1] / InputPixels;
            result.Visibility[p] = Sigmoid(screen[p * 5 + 3]);
            result.Presence[p] = Sigmoid(screen[p * 5 + 4]);
            (xn, yn) = RefineFromHeatmap(heatmaps + p * HeatmapPixels * HeatmapPixels, xn, yn);
            (result.ImagePixels[p * 2], result.ImagePixels[p * 2 + 1]) = region.FromNormalised(xn, yn);

            // World landmarks are upright in the crop: undo the region's rotation about the viewing axis, then turn the
            // crop's axis (the ray through the region's centre) into the camera's, as a camera rotated to look at the body.
            double wx = world[p * 3], wy = world[p * 3 + 1], wz = world[p * 3 + 2];
            double rx = cos * wx - sin * wy, ry = sin * wx + cos * wy;
            for (int a = 0; a < 3; a++)
                result.WorldMetres[p * 3 + a] = toCamera[a * 3] * rx + toCamera[a * 3 + 1] * ry + toCamera[a * 3 + 2] * wz;
        }
        return result;
    }

    /// <summary>
    /// MediaPipe's refinement: the sigmoid-weighted mean position in a 7x7 heatmap window around the regressed point,
    /// kept where the window's peak is confident. A heatmap pixel stands for the position column / 64, as in MediaPipe:
    /// measured on the two shared clips (10,900 refined points), pixel centres ((column + ½) / 64) moved points by +2.0 crop
    /// pixels on average in x and y (half a heatmap pixel of bias), this convention by under 0.3 crop pixels.
    /// </summary>
    private static unsafe (double X, double Y) RefineFromHeatmap(float* heatmap, double xn, double yn)
    {
        int column = (int)Math.Floor(xn * HeatmapPixels), row = (int)Math.Floor(yn * HeatmapPixels);
        if (column < 0 || column >= HeatmapPixels || row < 0 || row >= HeatmapPixels) return (xn, yn);
        const int half = (RefinementKernel - 1) / 2;
        double sum = 0, sumX = 0, sumY = 0, peak = 0;
        for (int r = Math.Max(0, row - half); r < Math.Min(HeatmapPixels, row + half + 1); r++)
            for (int c = Math.Max(0, column - half); c < Math.Min(HeatmapPixels, column + half + 1); c++)
            {
                double confidence = Sigmoid(heatmap[r * HeatmapPixels + c]);
                sum += confidence;
                sumX += c * confidence;
                sumY += r * confidence;
                peak = Math.Max(peak, confidence);
            }
        return peak >= MinimumHeatmapConfidence && sum > 0 ? (sumX / sum / HeatmapPixels, sumY / sum / HeatmapPixels) : (xn, yn);
    }

    /// <summary>The rotation (3x3, row-major) that turns the optical axis onto the ray through the region's centre.</summary>
    private static double[] RayRotation(PoseRegion region, CameraIntrinsics camera)
    {
        double x = (region.CentreXPixels - camera.PrincipalPointXPixels) / camera.FocalLengthXPixels;
        double y = (region.CentreYPixels - camera.PrincipalPointYPixels) / camera.FocalLengthYPixels;
        double norm = Math.Sqrt(x * x + y * y + 1);
        (double rx, double ry, double rz) = (x / norm, y / norm, 1 / norm);
        // Rodrigues about the axis z × r (= (−ry, rx, 0)/sin) by the angle between them: cos = rz.
        double sin = Math.Sqrt(rx * rx + ry * ry);
        if (sin < 1e-12) return new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
        double kx = -ry / sin, ky = rx / sin, c = rz, v = 1 - c;
        return new[]
        {
            c + kx * kx * v, kx * ky * v, ky * sin,
            kx * ky * v, c + ky * ky * v, -kx * sin,
            -ky * sin, kx * sin, c,
        };
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    public void Dispose()
    {
        net.Dispose();
        crop.Dispose();
        scaled.Dispose();
        foreach (Mat m in outputs) m.Dispose();
    }
}
