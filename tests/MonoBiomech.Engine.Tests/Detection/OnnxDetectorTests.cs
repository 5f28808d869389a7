using MonoBiomech.Detection;
using MonoBiomech.Engine.Detection;
using MonoBiomech.Engine.Tests.TestSupport;
using OpenCvSharp;
using static MonoBiomech.Engine.Tests.TestSupport.OnnxModelWriter;

namespace MonoBiomech.Engine.Tests.Detection;

public sealed class OnnxDetectorTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>YOLOv8 output [1, 84, N] with the given candidates (cx, cy, w, h in input pixels; one class score each).</summary>
    private string WriteYoloV8(int inputSide, params (float Cx, float Cy, float W, float H, int Class, float Score, int SecondClass, float SecondScore)[] candidates)
    {
        int n = candidates.Length;
        var values = new float[84 * n];
        for (int i = 0; i < n; i++)
        {
            var c = candidates[i];
            values[0 * n + i] = c.Cx; values[1 * n + i] = c.Cy; values[2 * n + i] = c.W; values[3 * n + i] = c.H;
            values[(4 + c.Class) * n + i] = c.Score;
            if (c.SecondScore > 0)
                values[(4 + c.SecondClass) * n + i] = c.SecondScore;
        }
        string path = _folder.File($"yolov8_{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, ConstantOutputs("images", [1, 3, inputSide, inputSide], ("output0", [1, 84, n], values)));
        return path;
    }

    private static IReadOnlyList<PersonBox> DetectOnBlankFrame(string modelPath, int width, int height, float scoreThreshold = 0.3f)
    {
        var settings = new PersonDetectionSettings { Detector = DetectorKind.Onnx, OnnxModelPath = modelPath, ScoreThreshold = scoreThreshold, IntraOpThreads = 1 };
        using var detector = PersonDetectionPipeline.CreateDetector(settings);
        using var frame = new Mat(height, width, MatType.CV_8UC3, Scalar.All(90));
        return detector.Detect(frame);
    }

    private static void AssertBox(PersonBox actual, float x, float y, float w, float h, float score, float tolerance = 1e-3f)
    {
        Assert.Equal(x, actual.XPixels, tolerance);
        Assert.Equal(y, actual.YPixels, tolerance);
        Assert.Equal(w, actual.WidthPixels, tolerance);
        Assert.Equal(h, actual.HeightPixels, tolerance);
        Assert.Equal(score, actual.Score, 1e-6f);
    }

    [Fact]
    public void YoloV8_maps_letterboxed_boxes_back_and_applies_threshold_and_class_aware_nms()
    {
        // 640x480 frame into a 320x320 input: scale 0.5, 320x240 image, 40 px grey band on top.
        string model = WriteYoloV8(320,
            (100, 140, 100, 150, 0, 0.9f, 0, 0),        // person (100, 50, 200, 300) in the frame
            (102, 141, 100, 150, 0, 0.8f, 0, 0),        // near duplicate: suppressed by NMS
            (225, 140, 50, 100, 0, 0.6f, 0, 0),         // second person (400, 100, 100, 200)
            (60, 200, 40, 80, 0, 0.2f, 0, 0),           // under the threshold
            (100, 140, 100, 150, 16, 0.95f, 0, 0),      // a dog on top of the first person: other class, must not suppress it
            (250, 250, 40, 40, 2, 0.7f, 0, 0.5f),       // a car whose person score (0.5) is not its best class
            (300, 50, 60, 60, 0, 0.5f, 0, 0));          // person crossing the right and top borders: clipped
        var boxes = DetectOnBlankFrame(model, 640, 480);
        Assert.Equal(3, boxes.Count);
        AssertBox(boxes[0], 100, 50, 200, 300, 0.9f);
        AssertBox(boxes[1], 400, 100, 100, 200, 0.6f);
        AssertBox(boxes[2], 540, 0, 100, 80, 0.5f); // (540, -40, 120, 120) clipped to the 640x480 frame
    }

    [Fact]
    public void YoloV8_threshold_is_respected()
    {
        string model = WriteYoloV8(320, (100, 140, 100, 150, 0, 0.9f, 0, 0), (225, 140, 50, 100, 0, 0.6f, 0, 0));
        Assert.Single(DetectOnBlankFrame(model, 640, 480, scoreThreshold: 0.7f));
        Assert.Equal(2, DetectOnBlankFrame(model, 640, 480, scoreThreshold: 0.6f).Count);
    }

    [Fact]
    public void YoloV8_letterbox_for_a_portrait_frame_pads_left_and_right()
    {
        var letterbox = LetterboxTransform.YoloV8(1080, 1920, 640, 640);
        Assert.Equal(360, letterbox.ResizedWidthPixels);
        Assert.Equal(640, letterbox.ResizedHeightPixels);
        Assert.Equal(140, letterbox.LeftPixels);
        Assert.Equal(0, letterbox.TopPixels);
        var (x, y, w, h) = letterbox.ToFrame(140 + 30, 60, 140 + 90, 300);
        Assert.Equal(90, x, 1e-3f);
        Assert.Equal(180, y, 1e-3f);
        Assert.Equal(180, w, 1e-3f);
        Assert.Equal(720, h, 1e-3f);
    }

    [Theory]
    [InlineData(1920, 1080, 416, 234, 416, 256, 0, 11)]
    [InlineData(1280, 720, 416, 233, 416, 256, 0, 11)]
    [InlineData(1080, 1920, 234, 416, 256, 416, 11, 0)]
    [InlineData(240, 240, 416, 416, 416, 416, 0, 0)]
    public void Metrabs_input_size_follows_the_float32_truncation_and_pads_to_multiples_of_32(
        int width, int height, int targetWidth, int targetHeight, int inputWidth, int inputHeight, int left, int top)
    {
        var letterbox = LetterboxTransform.MetrabsYoloV4(width, height);
        Assert.Equal((targetWidth, targetHeight, inputWidth, inputHeight, left, top),
            (letterbox.ResizedWidthPixels, letterbox.ResizedHeightPixels, letterbox.InputWidthPixels, letterbox.InputHeightPixels, letterbox.LeftPixels, letterbox.TopPixels));
    }

    [Fact]
    public void Metrabs_layout_is_recognised_and_boxes_map_back_with_width_and_height_factors()
    {
        // Candidates in padded-input pixels (cx, cy, w, h) for a 1920x1080 frame (416x234 image, 11 px pad on top).
        float[] boxes =
        [
            150, 136, 100, 150,   // person: corner (100, 61) -> frame x = 100 * 1920/416, y = 50 * 1080/234
            152, 137, 100, 150,   // duplicate (IoU > 0.7): suppressed
            300, 100, 40, 80,     // second person, lower score
            50, 50, 20, 20,       // below threshold
        ];
        var scores = new float[4 * 80];
        scores[0 * 80] = 0.8f; scores[1 * 80] = 0.75f; scores[2 * 80] = 0.4f; scores[3 * 80] = 0.1f;
        scores[3 * 80 + 5] = 0.9f; // a bus: never a person
        string path = _folder.File("metrabs.onnx");
        File.WriteAllBytes(path, ConstantOutputs("image", ["N", "H", "W", 3], ("boxes", [1, 4, 4], boxes), ("scores", [1, 4, 80], scores)));

        Assert.Equal(OnnxDetectorLayout.MetrabsYoloV4, PersonDetectionPipeline.InspectOnnxDetector(path, 1));
        var found = DetectOnBlankFrame(path, 1920, 1080);
        Assert.Equal(2, found.Count);
        float xf = 1920f / 416, yf = 1080f / 234;
        AssertBox(found[0], 100 * xf, 50 * yf, 100 * xf, 150 * yf, 0.8f);
        AssertBox(found[1], (280 - 0) * xf, (60 - 11) * yf, 40 * xf, 80 * yf, 0.4f);
    }

    [Fact]
    public void Unknown_layout_names_the_file()
    {
        string path = _folder.File("not_a_detector.onnx");
        File.WriteAllBytes(path, MatMulAdd());
        var e = Assert.Throws<UnknownModelLayoutException>(() => PersonDetectionPipeline.InspectOnnxDetector(path, 1));
        Assert.Equal(Path.GetFullPath(path), e.ModelPath);
        Assert.Contains("not_a_detector.onnx", e.Message);
    }

    [Fact]
    public void Missing_and_garbage_model_files_give_a_load_error_naming_the_file()
    {
        string missing = _folder.File("missing.onnx");
        var e1 = Assert.Throws<DetectorModelLoadException>(() => PersonDetectionPipeline.InspectOnnxDetector(missing, 1));
        Assert.Contains("missing.onnx", e1.Message);
        string garbage = _folder.File("garbage.onnx");
        File.WriteAllText(garbage, "this is not protobuf");
        var e2 = Assert.Throws<DetectorModelLoadException>(() => PersonDetectionPipeline.InspectOnnxDetector(garbage, 1));
        Assert.Contains("garbage.onnx", e2.Message);
    }

    [Fact]
    public void Every_graph_optimisation_level_loads_the_model_and_finds_the_same_box()
    {
        string model = WriteYoloV8(64, (32, 32, 10, 20, 0, 0.9f, 0, 0));
        using var frame = new Mat(64, 64, MatType.CV_8UC3, Scalar.All(90));
        foreach (OnnxGraphOptimizationLevel level in Enum.GetValues<OnnxGraphOptimizationLevel>())
        {
            var settings = new PersonDetectionSettings { Detector = DetectorKind.Onnx, OnnxModelPath = model, IntraOpThreads = 1, OnnxGraphOptimization = level };
            using var detector = PersonDetectionPipeline.CreateDetector(settings);
            AssertBox(Assert.Single(detector.Detect(frame)), 27, 22, 10, 20, 0.9f);
        }
        var undefined = new PersonDetectionSettings { Detector = DetectorKind.Onnx, OnnxModelPath = model, OnnxGraphOptimization = (OnnxGraphOptimizationLevel)42 };
        Assert.Throws<ArgumentOutOfRangeException>(() => PersonDetectionPipeline.CreateDetector(undefined));
    }

    [Fact]
    public void Loaded_models_are_cached_by_path_write_time_and_options()
    {
        string model = WriteYoloV8(64, (32, 32, 10, 20, 0, 0.9f, 0, 0));
        var first = OnnxDetectorModelCache.Get(model, 1, Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL);
        var again = OnnxDetectorModelCache.Get(model, 1, Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL);
        var otherThreads = OnnxDetectorModelCache.Get(model, 2, Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL);
        Assert.Same(first, again);
        Assert.NotSame(first, otherThreads);
        File.SetLastWriteTimeUtc(model, File.GetLastWriteTimeUtc(model).AddMinutes(1));
        Assert.NotSame(first, OnnxDetectorModelCache.Get(model, 1, Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL));
    }
}
