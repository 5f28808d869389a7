using MonoBiomech.Detection;
using MonoBiomech.Engine.Pose.Metrabs;
using MonoBiomech.Pose;
using OpenCvSharp;
using Xunit;

namespace MonoBiomech.Engine.Tests.Pose.Metrabs;

public class MetrabsCropGeometryTests
{
    // The worked example of reference/metrabs-pipeline.md §6.4: a portrait 1080x1920 frame, 55° across its height,
    // principal point (W/2, H/2), box (340, 300, 400, 1400).
    private static readonly double PortraitFocal = 1920 / (2 * Math.Tan(27.5 * Math.PI / 180)); // 1844.1428
    private static readonly CameraIntrinsics Portrait = new(PortraitFocal, PortraitFocal, 540, 960, 1080, 1920);
    private static readonly PersonBox TallBox = new(340, 300, 400, 1400, 1);

    [Fact]
    public void Augmentation_tables_are_MeTRAbs()
    {
        var five = MetrabsAugmentation.Table(5);
        Assert.Equal(new[] { 0.6, 0.7, 0.8, 0.9, 1.0 }, five.Select(a => Math.Round(a.Gamma, 12)));
        Assert.Equal(new[] { 0.8, 0.9, 1.0, 1.05, 1.1 }, five.Select(a => Math.Round(a.Scale, 12)));
        Assert.Equal(new[] { false, true, false, true, false }, five.Select(a => a.Flipped));
        Assert.Equal(new MetrabsAugmentation(0.8, 1.05, false), Assert.Single(MetrabsAugmentation.Table(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => MetrabsAugmentation.Table(0));
    }

    [Fact]
    public void The_crop_camera_looks_at_the_box_centre_and_the_longer_side_fills_the_crop()
    {
        (Matrix3 r, double boxScale) = MetrabsCropGeometry.LookAtBox(Portrait, TallBox, 256);
        double[] expected = { 1, 0, 0, 0, 0.999765, -0.021685, 0, 0.021685, 0.999765 };
        double[] actual = r.ToArray();
        for (int i = 0; i < 9; i++) Assert.Equal(expected[i], actual[i], 6);
        Assert.Equal(256 / 1399.436, boxScale, 6);
    }

    [Fact]
    public void Homographies_match_the_worked_example()
    {
        var plain = MetrabsCropGeometry.For(Portrait, TallBox, new MetrabsAugmentation(0.8, 1.0, false), 256);
        Assert.Equal(2, plain.PyramidLevel);
        Assert.Equal(337.350, plain.CropIntrinsics[0, 0], 3);
        Assert.Equal(128, plain.CropIntrinsics[0, 2]);
        AssertMatrix(new[] { 1.3558, -0.008585, -38.917462, 0, 1.3402, 76.041719, 0, -6.4e-05, 1 }, plain.CropToLevelPixels, new[] { 4, 6, 6, 6, 4, 6, 6, 6, 9 });

        var mirrored = MetrabsCropGeometry.For(Portrait, TallBox, new MetrabsAugmentation(0.7, 0.9, true), 256);
        AssertMatrix(new[] { -1.50508, -0.00953, 327.275231, 0, 1.487762, 56.929457, 0, -7.1e-05, 1 }, mirrored.CropToLevelPixels, new[] { 5, 5, 6, 6, 6, 6, 6, 6, 9 });

        // The crop centre samples the box centre: level-2 pixel (x + ½) / 4 − ½ of frame pixel (540, 1000).
        var (u, v) = Apply(plain.CropToLevelPixels, 128, 128);
        Assert.Equal((540 + 0.5) / 4 - 0.5, u, 4);
        Assert.Equal((1000 + 0.5) / 4 - 0.5, v, 4);
    }

    [Fact]
    public void Level_follows_the_zoom()
    {
        var camera = CameraIntrinsics.Centred(1000, 1280, 720);
        Assert.Equal(0, MetrabsCropGeometry.For(camera, new PersonBox(560, 260, 160, 200, 1), new MetrabsAugmentation(1, 1, false), 256).PyramidLevel);
        Assert.Equal(1, MetrabsCropGeometry.For(camera, new PersonBox(440, 60, 400, 600, 1), new MetrabsAugmentation(1, 1, false), 256).PyramidLevel);
    }

    [Theory]
    [InlineData(640, 240, false)]
    [InlineData(100, 60, true)]
    [InlineData(1180, 660, false)]
    public void A_point_of_the_frame_appears_in_the_crop_where_the_crop_camera_projects_it(double boxCentreX, double boxCentreY, bool flipped)
    {
        var camera = CameraIntrinsics.Centred(1000, 1280, 720);
        var box = new PersonBox((float)(boxCentreX - 90), (float)(boxCentreY - 150), 180, 300, 1);
        var geometry = MetrabsCropGeometry.For(camera, box, new MetrabsAugmentation(1.0, 0.9, flipped), 256);
        // A smooth bright blob in a dark frame, off the box centre towards the frame's inside, and where its centre ray meets the crop.
        double dotX = boxCentreX + (boxCentreX < 640 ? 37 : -37), dotY = boxCentreY + (boxCentreY < 360 ? 61 : -61);
        using var frame = new Mat(720, 1280, MatType.CV_8UC3, Scalar.All(0));
        Cv2.Circle(frame, new Point((int)dotX, (int)dotY), 5, Scalar.All(255), -1);
        Cv2.GaussianBlur(frame, frame, new Size(0, 0), 3);
        Vector3d ray = MetrabsCropGeometry.IntrinsicMatrix(camera).Inverse() * new Vector3d(dotX, dotY, 1);
        (double expectedX, double expectedY) = (geometry.CropIntrinsics * (geometry.Rotation * ray)).Project();

        using var cropper = new MetrabsCropper(256);
        cropper.SetFrame(frame, new[] { geometry });
        var crop = new float[cropper.CropValueCount];
        cropper.Crop(geometry, crop, channelsLast: true);
        // The centre of the dot's light in the crop (red channel, gamma encoding undone: bilinear sampling keeps the centre of light).
        double sum = 0, sumX = 0, sumY = 0;
        for (int y = 0; y < 256; y++)
            for (int x = 0; x < 256; x++)
            {
                double value = Math.Pow(crop[(y * 256 + x) * 3], 2.2);
                sum += value;
                sumX += value * x;
                sumY += value * y;
            }
        Assert.True(sum > 0, "the dot is in the crop");
        Assert.InRange(sumX / sum - expectedX, -0.05, 0.05);
        Assert.InRange(sumY / sum - expectedY, -0.05, 0.05);
    }

    [Fact]
    public void Crops_are_linear_light_averaged_then_gamma_encoded_with_zeros_outside_the_frame()
    {
        var camera = CameraIntrinsics.Centred(1000, 1280, 720);
        using var frame = new Mat(720, 1280, MatType.CV_8UC3, new Scalar(50, 100, 200)); // BGR
        // A box at the left edge: the crop's left part lies outside the frame.
        var geometry = MetrabsCropGeometry.For(camera, new PersonBox(-100, 200, 200, 300, 1), new MetrabsAugmentation(0.6, 1.0, false), 256);
        using var cropper = new MetrabsCropper(256);
        cropper.SetFrame(frame, new[] { geometry });
        var crop = new float[cropper.CropValueCount];
        cropper.Crop(geometry, crop, channelsLast: true);
        int centre = (128 * 256 + 128) * 3;
        Assert.Equal(Math.Pow(200 / 255.0, 0.6), crop[centre], 3);     // red first (float16's precision: see the next test)
        Assert.Equal(Math.Pow(100 / 255.0, 0.6), crop[centre + 1], 3);
        Assert.Equal(Math.Pow(50 / 255.0, 0.6), crop[centre + 2], 3);
        Assert.Equal(0, crop[(128 * 256 + 2) * 3]);                     // outside the frame
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void Every_brightness_is_encoded_within_one_float16_step(bool half, bool channelsLast)
    {
        // 256 patches of 40 x 40 px, one per 8-bit value (all channels alike, so layout and colour order show too).
        const int patch = 40;
        var camera = CameraIntrinsics.Centred(1000, 1280, 720);
        using var frame = new Mat(720, 1280, MatType.CV_8UC3, Scalar.All(0));
        for (int value = 0; value < 256; value++)
            frame[new Rect(320 + value % 16 * patch, 40 + value / 16 * patch, patch, patch)].SetTo(new Scalar(value, value, 255 - value));
        var geometry = MetrabsCropGeometry.For(camera, new PersonBox(320, 40, 640, 640, 1), new MetrabsAugmentation(0.7, 1.0, false), 256);
        Assert.Equal(1, geometry.PyramidLevel); // the patches pass through the pyramid
        using var cropper = new MetrabsCropper(256);
        cropper.SetFrame(frame, new[] { geometry });
        var values = new double[cropper.CropValueCount];
        if (half)
        {
            var crop = new Half[cropper.CropValueCount];
            cropper.Crop(geometry, crop.AsSpan(), channelsLast);
            for (int i = 0; i < crop.Length; i++) values[i] = (double)crop[i];
        }
        else
        {
            var crop = new float[cropper.CropValueCount];
            cropper.Crop(geometry, crop.AsSpan(), channelsLast);
            for (int i = 0; i < crop.Length; i++) values[i] = crop[i];
        }
        int checkedPixels = 0;
        double scale = 1 << geometry.PyramidLevel;
        for (int v = 0; v < 256; v++)
            for (int u = 0; u < 256; u++)
            {
                // where the crop pixel's centre falls in the frame; only pixels whose bilinear taps lie inside one patch
                (double x, double y) = Apply(geometry.CropToLevelPixels, u, v);
                (x, y) = ((x + 0.5) * scale - 0.5 - 320, (y + 0.5) * scale - 0.5 - 40);
                int column = (int)Math.Floor(x / patch), row = (int)Math.Floor(y / patch);
                double inside = Math.Min(Math.Min(x - column * patch, (column + 1) * patch - 1 - x), Math.Min(y - row * patch, (row + 1) * patch - 1 - y));
                if (column is < 0 or > 15 || row is < 0 or > 15 || inside < 2 * scale) continue;
                int level = row * 16 + column;
                int pixel = v * 256 + u;
                (int red, int green, int blue) = channelsLast ? (3 * pixel, 3 * pixel + 1, 3 * pixel + 2) : (pixel, 65536 + pixel, 2 * 65536 + pixel);
                AssertEncoded(255 - level, values[red]);
                AssertEncoded(level, values[green]);
                AssertEncoded(level, values[blue]);
                checkedPixels++;
            }
        Assert.True(checkedPixels > 20000, $"{checkedPixels} pixels checked");

        static void AssertEncoded(int value, double actual)
        {
            double expected = Math.Pow(Math.Pow(value / 255.0, 2.2), 0.7 / 2.2);
            double step = expected == 0 ? 1e-7 : Math.Pow(2, Math.Floor(Math.Log2(expected)) - 10); // float16's step at this value
            Assert.True(Math.Abs(actual - expected) <= step, $"value {value}: {actual} against {expected}");
        }
    }

    // Box centres off the pixel grid: a box centred exactly on the principal point makes the crop's mapping affine with
    // round numbers, so whole columns fall on ties of OpenCV's 1/32-pixel interpolation grid, where either neighbour is
    // right and the offset of the part kept decides which (seen: 2 columns of one crop, at most 0.012 apart).
    [Theory]
    [InlineData(640.37, 360.21, 300, 500, 1)]
    [InlineData(300.43, 200.19, 400, 1100, 2)]   // reaching past the frame's top and bottom
    [InlineData(1250.29, 700.33, 100, 160, 0)]   // at the bottom-right corner
    public void Cutting_only_the_part_of_the_frame_the_crops_see_changes_no_value(double centreX, double centreY, float width, float height, int level)
    {
        var camera = CameraIntrinsics.Centred(1000, 1281, 721); // odd sizes: the pyramid drops a row and a column
        using var frame = new Mat(721, 1281, MatType.CV_8UC3);
        Cv2.Randu(frame, Scalar.All(0), Scalar.All(256));
        var box = new PersonBox((float)centreX - width / 2, (float)centreY - height / 2, width, height, 1);
        var crops = MetrabsAugmentation.Table(5).Select(a => MetrabsCropGeometry.For(camera, box, a, 256)).ToArray();
        // a crop of a box larger than the frame makes the part kept the whole frame
        var whole = MetrabsCropGeometry.For(camera, new PersonBox(-200, -200, 1700, 1200, 1), new MetrabsAugmentation(1, 0.8, false), 256);
        using var part = new MetrabsCropper(256);
        using var everything = new MetrabsCropper(256);
        part.SetFrame(frame, crops);
        everything.SetFrame(frame, crops.Append(whole).ToArray());
        Assert.Contains(crops, c => c.PyramidLevel == level);
        foreach (var crop in crops)
        {
            var fromPart = new Half[part.CropValueCount];
            var fromWhole = new Half[part.CropValueCount];
            part.Crop(crop, fromPart.AsSpan(), channelsLast: false);
            everything.Crop(crop, fromWhole.AsSpan(), channelsLast: false);
            Assert.Equal(fromWhole, fromPart);
        }
    }

    private static (double X, double Y) Apply(Matrix3 h, double x, double y) => (h * new Vector3d(x, y, 1)).Project();

    private static void AssertMatrix(double[] expected, Matrix3 actual, int[] digits)
    {
        double[] values = actual.ToArray();
        for (int i = 0; i < 9; i++) Assert.Equal(expected[i], values[i], digits[i]);
    }
}
