using System.Runtime.InteropServices;
using MonoBiomech.Engine.Video;
using OpenCvSharp;

namespace MonoBiomech.Engine.Pose.Metrabs;

/// <summary>
/// Cuts MeTRAbs' augmented crops out of one video frame at a time: the frame in linear light, an image pyramid of
/// 2×2 means (so a crop that shrinks the person 5× does not alias), a bilinear perspective warp per crop with zeros
/// outside the frame, the photometric augmentation, RGB. Only the part of the frame the frame's crops can see is
/// converted and averaged (the same pixels as a whole-frame pyramid, since the part is aligned to the coarsest level),
/// straight from the decoder's pixels (BGR or I420, <see cref="LinearLight"/>), and only the levels the crops sample.
/// One per thread; holds its images between frames.
/// </summary>
internal sealed class MetrabsCropper : IDisposable
{
    // The part of the frame kept reaches this far past the crops' corners (bilinear taps, the coarsest level's pixel).
    private const int RegionMarginPixels = (1 << MetrabsCropGeometry.MaxPyramidLevel) + 2;

    private readonly Mat[] _levels = Enumerable.Range(0, MetrabsCropGeometry.MaxPyramidLevel + 1).Select(_ => new Mat()).ToArray();
    private readonly bool[] _levelReady = new bool[MetrabsCropGeometry.MaxPyramidLevel + 1];
    private readonly Mat _warped = new(), _halfWarped = new();
    private Rect _region;
    private bool _frameSet;

    public MetrabsCropper(int cropSidePixels)
    {
        if (cropSidePixels < 8) throw new ArgumentOutOfRangeException(nameof(cropSidePixels), cropSidePixels, "The crop side must be at least 8 pixels.");
        CropSidePixels = cropSidePixels;
    }

    public int CropSidePixels { get; }

    /// <summary>Values per crop: side × side × 3.</summary>
    public int CropValueCount => CropSidePixels * CropSidePixels * 3;

    /// <summary>Takes the next frame, 8-bit BGR, and the crops that will be cut from it.</summary>
    public void SetFrame(Mat bgrFrame, IReadOnlyList<MetrabsCropGeometry> crops)
    {
        if (bgrFrame.Type() != MatType.CV_8UC3) throw new ArgumentException("Expected an 8-bit, 3-channel BGR frame.", nameof(bgrFrame));
        SetFrame(new VideoFramePixels(bgrFrame, VideoPixelFormat.Bgr24, bgrFrame.Cols, bgrFrame.Rows), crops);
    }

    /// <summary>
    /// Takes the next frame as decoded and the crops that will be cut from it, and builds the pyramid levels they sample
    /// from; the frame is not needed afterwards. Only these crops can be cut until the next frame.
    /// </summary>
    public void SetFrame(VideoFramePixels frame, IReadOnlyList<MetrabsCropGeometry> crops)
    {
        _region = RegionSeen(crops, frame.WidthPixels, frame.HeightPixels, CropSidePixels);
        Array.Clear(_levelReady);
        _frameSet = true;
        if (_region.Width == 0 || _region.Height == 0) return; // the crops see nothing of the frame
        if (crops.Any(c => c.PyramidLevel == 0)) LinearLight.Convert(frame, _region, _levels[0]);
        int coarsest = crops.Max(c => c.PyramidLevel);
        if (coarsest >= 1) LinearLight.ConvertHalved(frame, _region, _levels[1]);
        for (int level = 2; level <= coarsest; level++) Halve(_levels[level - 1], _levels[level]);
        foreach (MetrabsCropGeometry crop in crops) _levelReady[crop.PyramidLevel] = true;
    }

    /// <summary>
    /// Writes the crop <paramref name="geometry"/> describes into <paramref name="destination"/> (side × side × 3 values
    /// in [0, 1], RGB): channels last (NHWC) or first (NCHW); as Half (rounded to nearest even), or as float with
    /// float16's precision (the encoding is a table over float16 values: 3 significant digits, 8 times finer than
    /// the video's 8 bits).
    /// </summary>
    public void Crop<T>(MetrabsCropGeometry geometry, Span<T> destination, bool channelsLast) where T : unmanaged
    {
        if (typeof(T) != typeof(Half) && typeof(T) != typeof(float)) throw new NotSupportedException("Crops are float or Half.");
        if (!_frameSet) throw new InvalidOperationException("SetFrame first.");
        if (destination.Length != CropValueCount) throw new ArgumentException($"Expected {CropValueCount} values.", nameof(destination));
        if (_region.Width == 0 || _region.Height == 0)
        {
            destination.Clear(); // the crops see nothing of the frame
            return;
        }
        if (!_levelReady[geometry.PyramidLevel]) throw new InvalidOperationException("The crop was not among the frame's crops given to SetFrame.");
        Mat level = _levels[geometry.PyramidLevel];
        if (level.Empty())
        {
            destination.Clear(); // the part of the frame seen is a sliver thinner than one pixel of this level
            return;
        }
        // crop pixels → level pixels of the whole frame → pixels of the part kept
        double shift = 1.0 / (1 << geometry.PyramidLevel);
        Matrix3 toRegion = new Matrix3(1, 0, -_region.X * shift, 0, 1, -_region.Y * shift, 0, 0, 1) * geometry.CropToLevelPixels;
        using (var homography = Mat.FromPixelData(3, 3, MatType.CV_64FC1, toRegion.ToArray()))
            Cv2.WarpPerspective(level, _warped, homography, new Size(CropSidePixels, CropSidePixels),
                InterpolationFlags.Linear | InterpolationFlags.WarpInverseMap, BorderTypes.Constant, Scalar.All(0));
        // Linear light to float16, then one pass that encodes (x^(γ/2.2) by table, one entry per float16 value), swaps
        // BGR to RGB and lays the values out: a third of the time of OpenCV's log, exp, colour swap and conversion.
        _warped.ConvertTo(_halfWarped, MatType.CV_16FC3);
        GammaTable table = GammaTable.For(geometry.Augmentation.Gamma);
        if (typeof(T) == typeof(Half)) Encode(_halfWarped, table.HalfBits, MemoryMarshal.Cast<T, ushort>(destination), channelsLast);
        else Encode(_halfWarped, table.Singles, MemoryMarshal.Cast<T, float>(destination), channelsLast);
    }

    // BGR float16 pixels (a Mat OpenCV allocated whole is continuous) → encoded RGB values, pixel-major or plane-major.
    private static unsafe void Encode<TValue>(Mat bgrHalf, TValue[] table, Span<TValue> destination, bool channelsLast) where TValue : unmanaged
    {
        int pixels = destination.Length / 3;
        var source = new ReadOnlySpan<ushort>((void*)bgrHalf.Data, pixels * 3);
        if (channelsLast)
            for (int p = 0, i = 0; p < pixels; p++, i += 3)
            {
                destination[i] = table[source[i + 2]];
                destination[i + 1] = table[source[i + 1]];
                destination[i + 2] = table[source[i]];
            }
        else
            for (int p = 0, i = 0; p < pixels; p++, i += 3)
            {
                destination[p] = table[source[i + 2]];
                destination[pixels + p] = table[source[i + 1]];
                destination[2 * pixels + p] = table[source[i]];
            }
    }

    /// <summary>
    /// x^(γ/2.2) for every float16 x, as float16 bits and as float; made once per γ in a process. The input's rounding
    /// to float16 moves an output by at most γ/2.2 of a float16 step: below a float16 network's own input rounding.
    /// </summary>
    private sealed class GammaTable
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<double, Lazy<GammaTable>> Tables = new();

        private GammaTable(double gamma)
        {
            double exponent = gamma / 2.2;
            for (int bits = 0; bits < 65536; bits++)
            {
                double x = (double)BitConverter.UInt16BitsToHalf((ushort)bits);
                double value = x > 0 && double.IsFinite(x) ? Math.Pow(x, exponent) : 0; // the warp makes no negatives; 0 stays 0
                Singles[bits] = (float)value;
                HalfBits[bits] = BitConverter.HalfToUInt16Bits((Half)value);
            }
        }

        public float[] Singles { get; } = new float[65536];
        public ushort[] HalfBits { get; } = new ushort[65536];

        public static GammaTable For(double gamma) => Tables.GetOrAdd(gamma, g => new Lazy<GammaTable>(() => new GammaTable(g))).Value;
    }

    // The frame pixels the crops' corners reach (each crop is a convex quadrilateral of the frame), widened by the
    // margin, aligned to the coarsest level so its pyramid holds the whole frame's pyramid pixels, clipped to the frame.
    private static Rect RegionSeen(IReadOnlyList<MetrabsCropGeometry> crops, int width, int height, int side)
    {
        const int align = 1 << MetrabsCropGeometry.MaxPyramidLevel;
        double left = double.MaxValue, top = double.MaxValue, right = double.MinValue, bottom = double.MinValue;
        foreach (MetrabsCropGeometry crop in crops)
        {
            double scale = 1 << crop.PyramidLevel;
            foreach ((double u, double v) in new[] { (-1.0, -1.0), (side, -1.0), (-1.0, side), (side, (double)side) })
            {
                Vector3d p = crop.CropToLevelPixels * new Vector3d(u, v, 1);
                if (!(p.Z > 0)) return new Rect(0, 0, width, height); // a corner beyond the horizon: keep everything
                double x = (p.X / p.Z + 0.5) * scale - 0.5, y = (p.Y / p.Z + 0.5) * scale - 0.5;
                (left, top, right, bottom) = (Math.Min(left, x), Math.Min(top, y), Math.Max(right, x), Math.Max(bottom, y));
            }
        }
        if (crops.Count == 0) return new Rect(0, 0, 0, 0);
        int x0 = Math.Clamp((int)Math.Floor((left - RegionMarginPixels) / align) * align, 0, width);
        int y0 = Math.Clamp((int)Math.Floor((top - RegionMarginPixels) / align) * align, 0, height);
        int x1 = Math.Clamp((int)Math.Ceiling((right + RegionMarginPixels) / align) * align, x0, width);
        int y1 = Math.Clamp((int)Math.Ceiling((bottom + RegionMarginPixels) / align) * align, y0, height);
        return new Rect(x0, y0, x1 - x0, y1 - y0);
    }

    // The 2×2 means of a level, an odd last row or column dropped (the pyramid MeTRAbs was trained with).
    private static void Halve(Mat finer, Mat coarser)
    {
        int width = finer.Cols / 2 * 2, height = finer.Rows / 2 * 2;
        if (width == 0 || height == 0)
        {
            coarser.Release();
            return;
        }
        // Bilinear at exactly half size samples each 2×2 block at its centre, i.e. its mean, and is twice as fast as Area.
        using var even = new Mat(finer, new Rect(0, 0, width, height));
        Cv2.Resize(even, coarser, new Size(width / 2, height / 2), 0, 0, InterpolationFlags.Linear);
    }

    public void Dispose()
    {
        foreach (Mat m in _levels) m.Dispose();
        _warped.Dispose();
        _halfWarped.Dispose();
    }
}
