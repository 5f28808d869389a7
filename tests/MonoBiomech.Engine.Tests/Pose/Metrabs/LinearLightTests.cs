using MonoBiomech.Detection;
using MonoBiomech.Engine.Pose.Metrabs;
using MonoBiomech.Engine.Video;
using MonoBiomech.Pose;
using OpenCvSharp;
using Xunit;

namespace MonoBiomech.Engine.Tests.Pose.Metrabs;

public class LinearLightTests
{
    private const int Width = 640, Height = 360;

    // Random bytes in every plane: every luma and chroma value, so every saturation of the conversion, occurs.
    private static Mat RandomI420(int seed)
    {
        var bytes = new byte[Width * Height * 3 / 2];
        new Random(seed).NextBytes(bytes);
        var frame = new Mat(Height * 3 / 2, Width, MatType.CV_8UC1);
        frame.SetArray(bytes);
        return frame;
    }

    private static VideoFramePixels I420(Mat frame) => new(frame, VideoPixelFormat.I420, Width, Height);

    private static VideoFramePixels Bgr(Mat frame) => new(frame, VideoPixelFormat.Bgr24, frame.Cols, frame.Rows);

    private static void AssertSameBits(Mat expected, Mat actual)
    {
        Assert.Equal((expected.Rows, expected.Cols, expected.Type()), (actual.Rows, actual.Cols, actual.Type()));
        expected.GetArray(out Vec3f[] e);
        actual.GetArray(out Vec3f[] a);
        Assert.Equal(e, a);
    }

    [Theory]
    [InlineData(0, 0, Width, Height)]
    [InlineData(36, 18, 402, 301)] // an odd-sized part with an even corner
    public void I420_is_converted_as_OpenCV_converts_it_then_to_linear_light(int x, int y, int width, int height)
    {
        using Mat i420 = RandomI420(1), bgr = new();
        Cv2.CvtColor(i420, bgr, ColorConversionCodes.YUV2BGR_I420);
        var region = new Rect(x, y, width, height);
        using Mat fromI420 = new(), fromBgr = new();
        LinearLight.Convert(I420(i420), region, fromI420);
        LinearLight.Convert(Bgr(bgr), region, fromBgr);
        AssertSameBits(fromBgr, fromI420);
        fromBgr.GetArray(out Vec3f[] values);
        using var part = new Mat(bgr, region);
        Assert.Equal(Math.Pow(part.At<Vec3b>(7, 5).Item2 / 255.0, 2.2), values[7 * width + 5].Item2, 6); // (value / 255)^2.2
    }

    [Theory]
    [InlineData(0, 0, Width, Height)]
    [InlineData(36, 18, 403, 301)] // odd sizes: the last column and row are dropped
    public void Half_resolution_is_the_mean_of_each_block_in_linear_light_whichever_the_decoder(int x, int y, int width, int height)
    {
        using Mat i420 = RandomI420(2), bgr = new();
        Cv2.CvtColor(i420, bgr, ColorConversionCodes.YUV2BGR_I420);
        var region = new Rect(x, y, width, height);
        using Mat fromI420 = new(), fromBgr = new(), full = new();
        LinearLight.ConvertHalved(I420(i420), region, fromI420);
        LinearLight.ConvertHalved(Bgr(bgr), region, fromBgr);
        AssertSameBits(fromBgr, fromI420);
        Assert.Equal((height / 2, width / 2), (fromBgr.Rows, fromBgr.Cols));
        LinearLight.Convert(Bgr(bgr), region, full);
        full.GetArray(out Vec3f[] linear);
        fromBgr.GetArray(out Vec3f[] halved);
        for (int row = 0; row < height / 2; row += 7)
            for (int column = 0; column < width / 2; column += 5)
                for (int channel = 0; channel < 3; channel++)
                {
                    double mean = (linear[2 * row * width + 2 * column][channel] + linear[2 * row * width + 2 * column + 1][channel]
                        + linear[(2 * row + 1) * width + 2 * column][channel] + linear[(2 * row + 1) * width + 2 * column + 1][channel]) / 4.0;
                    Assert.Equal(mean, halved[row * (width / 2) + column][channel], 6);
                }
    }

    [Fact]
    public void An_I420_part_must_start_at_an_even_pixel()
    {
        using Mat i420 = RandomI420(3), destination = new();
        Assert.Throws<ArgumentException>(() => LinearLight.ConvertHalved(I420(i420), new Rect(1, 2, 100, 100), destination));
    }

    // The stage cuts crops straight from ffmpeg's I420 frames; the same crops from the frame converted to BGR first
    // (OpenCV's decoder, an undistorted frame) must be the same to the bit, at every pyramid level.
    [Theory]
    [InlineData(320.37, 180.21, 60, 100, 0)]
    [InlineData(300.43, 200.19, 150, 250, 1)]
    [InlineData(630.29, 350.33, 420, 720, 2)] // at the bottom-right corner, reaching past the frame
    public void Crops_from_I420_frames_are_the_crops_of_their_BGR_conversion(double centreX, double centreY, float width, float height, int level)
    {
        var camera = CameraIntrinsics.Centred(500, Width, Height);
        using Mat i420 = RandomI420(4), bgr = new();
        Cv2.CvtColor(i420, bgr, ColorConversionCodes.YUV2BGR_I420);
        var box = new PersonBox((float)centreX - width / 2, (float)centreY - height / 2, width, height, 1);
        var crops = MetrabsAugmentation.Table(5).Select(a => MetrabsCropGeometry.For(camera, box, a, 128)).ToArray();
        Assert.Contains(crops, c => c.PyramidLevel == level);
        using var fromI420 = new MetrabsCropper(128);
        using var fromBgr = new MetrabsCropper(128);
        fromI420.SetFrame(I420(i420), crops);
        fromBgr.SetFrame(bgr, crops);
        foreach (var crop in crops)
        {
            var a = new Half[fromI420.CropValueCount];
            var b = new Half[fromI420.CropValueCount];
            fromI420.Crop(crop, a.AsSpan(), channelsLast: true);
            fromBgr.Crop(crop, b.AsSpan(), channelsLast: true);
            Assert.Equal(b, a);
            Assert.Contains(a, v => v != Half.Zero);
        }
    }

    [Fact]
    public void Only_the_crops_given_with_the_frame_can_be_cut()
    {
        var camera = CameraIntrinsics.Centred(500, Width, Height);
        using Mat bgr = new(Height, Width, MatType.CV_8UC3, Scalar.All(128));
        var near = MetrabsCropGeometry.For(camera, new PersonBox(170, -70, 300, 500, 1), new MetrabsAugmentation(1, 1, false), 128);
        var far = MetrabsCropGeometry.For(camera, new PersonBox(300, 150, 30, 50, 1), new MetrabsAugmentation(1, 1, false), 128);
        Assert.NotEqual(near.PyramidLevel, far.PyramidLevel);
        using var cropper = new MetrabsCropper(128);
        var crop = new float[cropper.CropValueCount];
        Assert.Throws<InvalidOperationException>(() => cropper.Crop(near, crop.AsSpan(), true));
        cropper.SetFrame(bgr, new[] { near });
        cropper.Crop(near, crop.AsSpan(), true);
        Assert.Throws<InvalidOperationException>(() => cropper.Crop(far, crop.AsSpan(), true));
    }
}
