using System.Numerics;
using OpenCvSharp;

namespace MonoBiomech.Engine.Pose.Metrabs;

/// <summary>
/// Cuts MeTRAbs' augmented crops out of one video frame at a time: the frame in linear light, an image pyramid of
/// 2×2 means (so a crop that shrinks the person 5× does not alias), a bilinear perspective warp per crop with zeros
/// outside the frame, the photometric augmentation, RGB. One per thread; holds its images between frames.
/// </summary>
internal sealed class MetrabsCropper : IDisposable
{
    // (value / 255)^2.2: sRGB-ish to linear light, so the pyramid averages light, not gamma-encoded values.
    private static readonly float[] LinearLightValues = Enumerable.Range(0, 256).Select(i => (float)Math.Pow(i / 255.0, 2.2)).ToArray();

    private readonly Mat _linearLightTable = Mat.FromPixelData(1, 256, MatType.CV_32FC1, LinearLightValues);
    private readonly Mat[] _levels = Enumerable.Range(0, MetrabsCropGeometry.MaxPyramidLevel + 1).Select(_ => new Mat()).ToArray();
    private readonly bool[] _levelReady = new bool[MetrabsCropGeometry.MaxPyramidLevel + 1];
    private readonly Mat _warped = new(), _logarithm = new(), _encoded = new();

    public MetrabsCropper(int cropSidePixels)
    {
        if (cropSidePixels < 8) throw new ArgumentOutOfRangeException(nameof(cropSidePixels), cropSidePixels, "The crop side must be at least 8 pixels.");
        CropSidePixels = cropSidePixels;
    }

    public int CropSidePixels { get; }

    /// <summary>Values per crop: side × side × 3.</summary>
    public int CropValueCount => CropSidePixels * CropSidePixels * 3;

    /// <summary>Takes the next frame (8-bit BGR, as the video reader decodes it); pyramid levels are built when a crop needs them.</summary>
    public void SetFrame(Mat bgrFrame)
    {
        if (bgrFrame.Type() != MatType.CV_8UC3) throw new ArgumentException("Expected an 8-bit, 3-channel BGR frame.", nameof(bgrFrame));
        Cv2.LUT(bgrFrame, _linearLightTable, _levels[0]);
        _levelReady[0] = true;
        for (int l = 1; l < _levelReady.Length; l++) _levelReady[l] = false;
    }

    /// <summary>
    /// Writes the crop <paramref name="geometry"/> describes into <paramref name="destination"/> (side × side × 3 values
    /// in [0, 1], RGB): channels last (NHWC) or first (NCHW); as float, or as Half (round to nearest even, as the
    /// reference feeds its float16 network).
    /// </summary>
    public unsafe void Crop<T>(MetrabsCropGeometry geometry, Span<T> destination, bool channelsLast) where T : unmanaged, INumberBase<T>
    {
        if (!_levelReady[0]) throw new InvalidOperationException("SetFrame first.");
        if (destination.Length != CropValueCount) throw new ArgumentException($"Expected {CropValueCount} values.", nameof(destination));
        Mat level = Level(geometry.PyramidLevel);
        using (var homography = Mat.FromPixelData(3, 3, MatType.CV_64FC1, geometry.CropToLevelPixels.ToArray()))
            Cv2.WarpPerspective(level, _warped, homography, new Size(CropSidePixels, CropSidePixels),
                InterpolationFlags.Linear | InterpolationFlags.WarpInverseMap, BorderTypes.Constant, Scalar.All(0));
        // x^(γ/2.2) as exp(γ/2.2 · ln x): the same values as Cv2.Pow (ln 0 = −∞ gives 0) in an eighth of the time.
        Cv2.Log(_warped, _logarithm);
        _logarithm.ConvertTo(_logarithm, MatType.CV_32FC3, geometry.Augmentation.Gamma / 2.2);
        Cv2.Exp(_logarithm, _encoded);

        int pixels = CropSidePixels * CropSidePixels;
        var bgr = new ReadOnlySpan<float>((void*)_encoded.Data, pixels * 3); // a Mat OpenCV allocated whole is continuous
        if (channelsLast)
            for (int p = 0; p < pixels; p++)
            {
                destination[3 * p] = T.CreateTruncating(bgr[3 * p + 2]);
                destination[3 * p + 1] = T.CreateTruncating(bgr[3 * p + 1]);
                destination[3 * p + 2] = T.CreateTruncating(bgr[3 * p]);
            }
        else
            for (int p = 0; p < pixels; p++)
            {
                destination[p] = T.CreateTruncating(bgr[3 * p + 2]);
                destination[pixels + p] = T.CreateTruncating(bgr[3 * p + 1]);
                destination[2 * pixels + p] = T.CreateTruncating(bgr[3 * p]);
            }
    }

    // Level l: the 2×2 means of level l−1, an odd last row or column dropped (the pyramid MeTRAbs was trained with).
    private Mat Level(int level)
    {
        if (_levelReady[level]) return _levels[level];
        Mat finer = Level(level - 1);
        int width = finer.Cols / 2 * 2, height = finer.Rows / 2 * 2;
        if (width == 0 || height == 0) throw new InvalidOperationException("The frame is too small for the crop's pyramid level.");
        // Bilinear at exactly half size samples each 2×2 block at its centre, i.e. its mean, and is twice as fast as Area.
        using (var even = new Mat(finer, new Rect(0, 0, width, height)))
            Cv2.Resize(even, _levels[level], new Size(width / 2, height / 2), 0, 0, InterpolationFlags.Linear);
        _levelReady[level] = true;
        return _levels[level];
    }

    public void Dispose()
    {
        _linearLightTable.Dispose();
        foreach (Mat m in _levels) m.Dispose();
        _warped.Dispose();
        _logarithm.Dispose();
        _encoded.Dispose();
    }
}
