using MonoBiomech.Engine.Video;
using OpenCvSharp;

namespace MonoBiomech.Engine.Pose.Metrabs;

/// <summary>
/// A part of a decoded frame in linear light (float32 BGR, (value / 255)^2.2), at full or half resolution, straight from
/// the decoder's pixels: BGR, or I420 converted on the way exactly as OpenCV's YUV2BGR_I420 converts it (so the result
/// does not depend on which decoder delivered the frame). Half resolution is the mean of each 2×2 block in linear light,
/// computed in one pass from the 8-bit pixels: neither the BGR frame nor the full-resolution linear image is made where
/// a crop samples only the coarser levels (a 1080p frame's subject a crop shrinks 2× or more).
/// </summary>
internal static unsafe class LinearLight
{
    // (value / 255)^2.2: sRGB-ish to linear light, so the pyramid averages light, not gamma-encoded values.
    private static readonly float[] Values = Enumerable.Range(0, 256).Select(i => (float)Math.Pow(i / 255.0, 2.2)).ToArray();
    private static readonly Mat Table = Mat.FromPixelData(1, 256, MatType.CV_32FC1, Values);

    // OpenCV's BT.601 limited-range YUV → RGB in 20-bit fixed point (color_yuv.simd.hpp): channel =
    // saturate((max(0, Y − 16)·CY + chroma terms + ½) >> 20). Tables hold each term per byte value, and the linear-light
    // table is widened over every index the sum can reach, so the saturation costs no branch (random chroma would make
    // the branches mispredict: 5× slower).
    private const int Shift = 20, Half = 1 << (Shift - 1);
    private static readonly int[] LumaTerm = PerByte(y => Math.Max(0, y - 16) * 1220542);
    private static readonly int[] RedFromV = PerByte(v => Half + 1673527 * (v - 128));
    private static readonly int[] GreenFromV = PerByte(v => Half - 852492 * (v - 128));
    private static readonly int[] GreenFromU = PerByte(u => -409993 * (u - 128));
    private static readonly int[] BlueFromU = PerByte(u => Half + 2116026 * (u - 128));
    // every index a sum reaches: the most negative chroma term with Y at 16 or below, up to the largest with Y at 255
    private static readonly int LowestIndex = Math.Min(BlueFromU.Min(), Math.Min(RedFromV.Min(), GreenFromV.Min() + GreenFromU.Min())) >> Shift;
    private static readonly int HighestIndex = (LumaTerm.Max() + Math.Max(BlueFromU.Max(), Math.Max(RedFromV.Max(), GreenFromV.Max() + GreenFromU.Max()))) >> Shift;
    private static readonly float[] Saturating = Enumerable.Range(LowestIndex, HighestIndex - LowestIndex + 1).Select(i => Values[Math.Clamp(i, 0, 255)]).ToArray();

    private static int[] PerByte(Func<int, int> term) => Enumerable.Range(0, 256).Select(term).ToArray();

    /// <summary>The region of the frame at full resolution into <paramref name="destination"/> (region size, CV_32FC3).</summary>
    public static void Convert(VideoFramePixels frame, Rect region, Mat destination)
    {
        if (frame.Format == VideoPixelFormat.Bgr24)
        {
            using var part = new Mat(frame.Pixels, region);
            Cv2.LUT(part, Table, destination);
            return;
        }
        destination.Create(region.Height, region.Width, MatType.CV_32FC3);
        Planes planes = Planes.Of(frame);
        fixed (float* saturating = Saturating)
        fixed (int* luma = LumaTerm, redV = RedFromV, greenV = GreenFromV, greenU = GreenFromU, blueU = BlueFromU)
        {
            float* linear = saturating - LowestIndex;
            for (int row = 0; row < region.Height; row++)
            {
                int y = region.Y + row;
                byte* lumaRow = planes.Luma(y) + region.X;
                byte* uRow = planes.U(y / 2), vRow = planes.V(y / 2);
                float* output = (float*)destination.Ptr(row);
                int blue = 0, green = 0, red = 0;
                for (int column = 0; column < region.Width; column++)
                {
                    int x = region.X + column;
                    if (column == 0 || x % 2 == 0) // the chroma terms of each pair of pixels that shares them, once
                    {
                        int u = uRow[x / 2], v = vRow[x / 2];
                        (blue, green, red) = (blueU[u], greenV[v] + greenU[u], redV[v]);
                    }
                    int l = luma[lumaRow[column]];
                    output[3 * column] = linear[(l + blue) >> Shift];
                    output[3 * column + 1] = linear[(l + green) >> Shift];
                    output[3 * column + 2] = linear[(l + red) >> Shift];
                }
            }
        }
    }

    /// <summary>
    /// The region at half resolution: each output pixel the mean of a 2×2 block, in linear light (an odd last row or
    /// column dropped). <paramref name="region"/>'s corner must be even for I420 frames (4:2:0 chroma is per block).
    /// </summary>
    public static void ConvertHalved(VideoFramePixels frame, Rect region, Mat destination)
    {
        int width = region.Width / 2, height = region.Height / 2;
        destination.Create(height, width, MatType.CV_32FC3);
        if (width == 0 || height == 0) return;
        if (frame.Format == VideoPixelFormat.Bgr24)
        {
            fixed (float* linear = Values)
                for (int row = 0; row < height; row++)
                {
                    byte* top = (byte*)frame.Pixels.Ptr(region.Y + 2 * row) + 3 * region.X, bottom = (byte*)frame.Pixels.Ptr(region.Y + 2 * row + 1) + 3 * region.X;
                    float* output = (float*)destination.Ptr(row);
                    for (int block = 0; block < width; block++, top += 6, bottom += 6, output += 3)
                        for (int channel = 0; channel < 3; channel++)
                            output[channel] = (linear[top[channel]] + linear[top[channel + 3]] + linear[bottom[channel]] + linear[bottom[channel + 3]]) * 0.25f;
                }
            return;
        }
        if (region.X % 2 != 0 || region.Y % 2 != 0) throw new ArgumentException("An I420 region starts at an even pixel.", nameof(region));
        Planes planes = Planes.Of(frame);
        fixed (float* saturating = Saturating)
        fixed (int* luma = LumaTerm, redV = RedFromV, greenV = GreenFromV, greenU = GreenFromU, blueU = BlueFromU)
        {
            float* linear = saturating - LowestIndex;
            for (int row = 0; row < height; row++)
            {
                int y = region.Y + 2 * row;
                byte* top = planes.Luma(y) + region.X, bottom = planes.Luma(y + 1) + region.X;
                byte* uRow = planes.U(y / 2) + region.X / 2, vRow = planes.V(y / 2) + region.X / 2;
                float* output = (float*)destination.Ptr(row);
                for (int block = 0; block < width; block++)
                {
                    int u = uRow[block], v = vRow[block];
                    int blue = blueU[u], green = greenV[v] + greenU[u], red = redV[v];
                    int a = luma[top[2 * block]], b = luma[top[2 * block + 1]], c = luma[bottom[2 * block]], d = luma[bottom[2 * block + 1]];
                    // the BGR path's order of additions, so both give the same bits
                    output[3 * block] = (linear[(a + blue) >> Shift] + linear[(b + blue) >> Shift] + linear[(c + blue) >> Shift] + linear[(d + blue) >> Shift]) * 0.25f;
                    output[3 * block + 1] = (linear[(a + green) >> Shift] + linear[(b + green) >> Shift] + linear[(c + green) >> Shift] + linear[(d + green) >> Shift]) * 0.25f;
                    output[3 * block + 2] = (linear[(a + red) >> Shift] + linear[(b + red) >> Shift] + linear[(c + red) >> Shift] + linear[(d + red) >> Shift]) * 0.25f;
                }
            }
        }
    }

    // Rows of an I420 frame's planes.
    private readonly struct Planes
    {
        private readonly byte* _y, _u, _v;
        private readonly int _width;

        private Planes(byte* y, byte* u, byte* v, int width)
        {
            _y = y;
            _u = u;
            _v = v;
            _width = width;
        }

        public static Planes Of(VideoFramePixels frame)
        {
            int width = frame.WidthPixels, height = frame.HeightPixels;
            if (width % 2 != 0 || height % 2 != 0 || frame.Pixels.Type() != MatType.CV_8UC1 || frame.Pixels.Cols != width
                || frame.Pixels.Rows != height * 3 / 2 || !frame.Pixels.IsContinuous())
                throw new ArgumentException($"Expected a continuous I420 frame of {width}x{height} (even sizes), [height × 3/2, width] bytes.", nameof(frame));
            byte* y = (byte*)frame.Pixels.Data;
            return new Planes(y, y + (long)width * height, y + (long)width * height * 5 / 4, width);
        }

        public byte* Luma(int y) => _y + (long)y * _width;

        public byte* U(int halfRow) => _u + (long)halfRow * (_width / 2);

        public byte* V(int halfRow) => _v + (long)halfRow * (_width / 2);
    }
}
