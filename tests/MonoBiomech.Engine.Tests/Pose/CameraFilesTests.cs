using MonoBiomech.Engine.Pose;
using MonoBiomech.Engine.Tests.TestSupport;
using MonoBiomech.Pose;
using MonoBiomech.Video;
using OpenCvSharp;

namespace MonoBiomech.Engine.Tests.Pose;

public sealed class CameraFilesTests
{
    // Laid out as Pose2Sim writes Calib.toml: a table per camera, then metadata.
    private const string TwoCameras = """
        [cam_01]
        name = "cam_01"
        size = [ 1080.0, 1920.0]
        matrix = [ [ 1650.5, 0.0, 540.25], [ 0.0, 1651.0, 955.75], [ 0.0, 0.0, 1.0]]
        distortions = [ -0.012, 0.0031, 0.0004, -0.0002]
        rotation = [ 1.6, 1.0, -0.4]
        translation = [ 0.3, 0.9, 2.9]
        fisheye = false

        [side]
        name = "side camera"
        size = [ 1920, 1080]
        matrix = [ [ 1400, 0, 960], [ 0, 1400, 540], [ 0, 0, 1]]
        distortions = [ 0, 0, 0, 0]
        fisheye = false

        [metadata]
        adjusted = false
        error = 0.0
        """;

    [Fact]
    public void A_Pose2Sim_calibration_gives_the_named_camera_with_its_distortion()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "Calib.toml");
        File.WriteAllText(path, TwoCameras);
        CameraIntrinsics first = CameraFiles.Read(path, "cam_01");
        Assert.Equal((1650.5, 1651.0, 540.25, 955.75, 1080, 1920), (first.FocalLengthXPixels, first.FocalLengthYPixels, first.PrincipalPointXPixels,
            first.PrincipalPointYPixels, first.ImageWidthPixels, first.ImageHeightPixels));
        Assert.Equal(new[] { -0.012, 0.0031, 0.0004, -0.0002 }, first.DistortionCoefficients);
        Assert.True(first.IsDistorted);
        CameraIntrinsics side = CameraFiles.Read(path, "side camera"); // by its name key; integers are numbers too
        Assert.Equal((1400.0, 1920), (side.FocalLengthXPixels, side.ImageWidthPixels));
        Assert.False(side.IsDistorted);
    }

    [Theory]
    [InlineData(null, "holds 2 cameras (cam_01, side camera); say which with -CameraName")]
    [InlineData("cam_07", "has no camera 'cam_07'; it has cam_01, side camera")]
    public void A_calibration_with_several_cameras_needs_a_name_it_holds(string? name, string message)
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "Calib.toml");
        File.WriteAllText(path, TwoCameras);
        Assert.Contains(message, Assert.Throws<CameraFileException>(() => CameraFiles.Read(path, name)).Message);
    }

    [Theory]
    [InlineData("[cam]\nmatrix = [[1, 0, 1], [0, 1, 1]]\nsize = [10, 10]", "'matrix' is missing or malformed")]
    [InlineData("[cam]\nmatrix = [[1, 0, 1], [0, 1, 1], [0, 0, 1]]\nsize = [10, 10]\nfisheye = true", "fisheye")]
    [InlineData("[cam]\nmatrix = [[\"a\", 0, 1], [0, 1, 1], [0, 0, 1]]\nsize = [10, 10]", "not a number")]
    [InlineData("[cam\nmatrix = 3", "not valid TOML")]
    [InlineData("[metadata]\nerror = 0.0", "holds no camera")]
    public void A_bad_calibration_file_is_a_clear_error(string text, string message)
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "Calib.toml");
        File.WriteAllText(path, text);
        var e = Assert.Throws<CameraFileException>(() => CameraFiles.Read(path));
        Assert.Contains(message, e.Message);
        Assert.Equal(path, e.FilePath);
    }

    [Fact]
    public void An_OpenCV_calibration_file_gives_its_matrix_distortion_and_size()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "camera.yml");
        using (var storage = new FileStorage(path, FileStorage.Modes.Write))
        {
            storage.Write("image_width", 1920);
            storage.Write("image_height", 1080);
            using var k = Mat.FromPixelData(3, 3, MatType.CV_64FC1, new double[] { 1500, 0, 955, 0, 1502, 541, 0, 0, 1 });
            storage.Write("camera_matrix", k);
            using var d = Mat.FromPixelData(1, 5, MatType.CV_64FC1, new double[] { 0.1, -0.2, 0.001, 0.002, 0.05 });
            storage.Write("distortion_coefficients", d);
        }
        CameraIntrinsics camera = CameraFiles.Read(path);
        Assert.Equal((1500.0, 1502.0, 955.0, 541.0, 1920, 1080), (camera.FocalLengthXPixels, camera.FocalLengthYPixels, camera.PrincipalPointXPixels,
            camera.PrincipalPointYPixels, camera.ImageWidthPixels, camera.ImageHeightPixels));
        Assert.Equal(new[] { 0.1, -0.2, 0.001, 0.002, 0.05 }, camera.DistortionCoefficients);
        string text = Path.Combine(folder.Path, "camera.txt");
        File.WriteAllText(text, "fx 1500");
        Assert.Contains("no camera file this module reads", Assert.Throws<CameraFileException>(() => CameraFiles.Read(text)).Message);
        Assert.Contains("does not exist", Assert.Throws<CameraFileException>(() => CameraFiles.Read(Path.Combine(folder.Path, "none.toml"))).Message);
    }

    [Fact]
    public void Distorted_pixels_are_brought_back_to_the_pinhole_projection()
    {
        var camera = new CameraIntrinsics(1400, 1400, 959.5, 539.5, 1920, 1080) { DistortionCoefficients = new[] { -0.25, 0.08, 0.001, -0.0015, 0.0 } };
        var world = new[] { new Point3d(0.4, -0.3, 3), new Point3d(-0.9, 0.5, 2.5), new Point3d(0, 0, 4), new Point3d(1.1, 0.6, 3.2) };
        using var objectPoints = new Mat(world.Length, 1, MatType.CV_64FC3);
        for (int i = 0; i < world.Length; i++) objectPoints.Set(i, 0, new Vec3d(world[i].X, world[i].Y, world[i].Z));
        using var k = Mat.FromPixelData(3, 3, MatType.CV_64FC1, new double[] { 1400, 0, 959.5, 0, 1400, 539.5, 0, 0, 1 });
        using var d = Mat.FromPixelData(1, 5, MatType.CV_64FC1, camera.DistortionCoefficients!.ToArray());
        using var rvec = new Mat(3, 1, MatType.CV_64FC1, Scalar.All(0));
        using var tvec = new Mat(3, 1, MatType.CV_64FC1, Scalar.All(0));
        using var image = new Mat();
        Cv2.ProjectPoints(objectPoints, rvec, tvec, k, d, image);
        var pixels = new double[world.Length * 2 + 2];
        for (int i = 0; i < world.Length; i++) { Vec2d p = image.At<Vec2d>(i, 0); pixels[2 * i] = p.Item0; pixels[2 * i + 1] = p.Item1; }
        pixels[^2] = pixels[^1] = double.NaN; // a frame without the subject
        PoseEstimationPipeline.Undistort(pixels, camera);
        for (int i = 0; i < world.Length; i++)
        {
            (double u, double v) = camera.Project(world[i].X, world[i].Y, world[i].Z);
            Assert.Equal(u, pixels[2 * i], 2);
            Assert.Equal(v, pixels[2 * i + 1], 2);
        }
        Assert.True(double.IsNaN(pixels[^1]));
    }

    [Fact]
    public void A_calibration_of_another_resolution_is_scaled_and_one_of_another_orientation_refused()
    {
        var video = new VideoInfo("/v/clip.mp4", 100, 30, 1080, 1920, 0, "h264");
        var settings = new PoseEstimationSettings { Camera = new CameraIntrinsics(3300, 3300, 1079.5, 1919.5, 2160, 3840) };
        CameraIntrinsics scaled = PoseEstimationPipeline.CameraForVideo(settings, video);
        Assert.Equal((1650.0, 539.5, 959.5, 1080, 1920), (scaled.FocalLengthXPixels, scaled.PrincipalPointXPixels, scaled.PrincipalPointYPixels, scaled.ImageWidthPixels, scaled.ImageHeightPixels));
        var landscape = settings with { Camera = new CameraIntrinsics(1400, 1400, 959.5, 539.5, 1920, 1080) };
        Assert.Contains("1920x1080 images, '/v/clip.mp4' is 1080x1920", Assert.Throws<CameraMismatchException>(() => PoseEstimationPipeline.CameraForVideo(landscape, video)).Message);
    }
}
