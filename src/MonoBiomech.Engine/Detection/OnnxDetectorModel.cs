using System.Collections.Concurrent;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MonoBiomech.Engine.Detection;

/// <summary>The ONNX detector layouts the engine understands, recognised from the model's input/output metadata.</summary>
public enum OnnxDetectorLayout
{
    /// <summary>
    /// Ultralytics YOLOv8 / YOLO11 export: one input float [1,3,H,W] (RGB 0..1, letterboxed square, grey 114 padding),
    /// one output [1,4+C,N] (cx, cy, w, h in input pixels, then C class scores; person = class 0). [1,N,4+C] is accepted too.
    /// </summary>
    YoloV8,
    /// <summary>
    /// The MeTRAbs YOLOv4-416 person detector (its Keras network converted with tf2onnx): one input float NHWC
    /// [N,H,W,3] (RGB 0..1, sized so the longer side is 416, padded with 0.5 to multiples of 32), two outputs:
    /// boxes [N,M,4] (cx, cy, w, h in padded-input pixels) and scores [N,M,C] (objectness × class; person = class 0).
    /// Conversion, in the TensorFlow environment that holds the <c>metrabs_detector</c> SavedModel (see models/README-detectors.md):
    /// <code>python -c "import tensorflow as tf, tf2onnx; d = tf.saved_model.load('metrabs_detector'); f = tf.function(lambda image: d.model(image), input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32, name='image')]); tf2onnx.convert.from_function(f, input_signature=f.input_signature, opset=17, output_path='metrabs_yolov4_detector.onnx')"</code>
    /// </summary>
    MetrabsYoloV4,
}

/// <summary>An ONNX detector's inputs/outputs match none of the layouts in <see cref="OnnxDetectorLayout"/>.</summary>
public sealed class UnknownModelLayoutException : IOException
{
    public UnknownModelLayoutException(string modelPath, string message) : base(message) => ModelPath = modelPath;

    public string ModelPath { get; }
}

/// <summary>An ONNX detector file is missing or cannot be loaded by ONNX Runtime.</summary>
public sealed class DetectorModelLoadException : IOException
{
    public DetectorModelLoadException(string modelPath, string message, Exception? inner = null) : base(message, inner) => ModelPath = modelPath;

    public string ModelPath { get; }
}

/// <summary>
/// A loaded ONNX detector: the immutable session and its recognised layout. Shared by all videos (ONNX Runtime
/// sessions are safe to run from several threads); per-video buffers live in <see cref="OnnxPersonDetector"/>.
/// </summary>
internal sealed class OnnxDetectorModel : IDisposable
{
    /// <summary>Square input side used when a YOLOv8 export has dynamic height/width.</summary>
    internal const int DefaultYoloInputSizePixels = 640;

    private OnnxDetectorModel(string path, InferenceSession session, OnnxDetectorLayout layout, string inputName,
        string[] outputNames, int inputHeight, int inputWidth, bool channelsFirstOutput)
    {
        ModelPath = path;
        Session = session;
        Layout = layout;
        InputName = inputName;
        OutputNames = outputNames;
        InputHeightPixels = inputHeight;
        InputWidthPixels = inputWidth;
        ChannelsFirstOutput = channelsFirstOutput;
    }

    public string ModelPath { get; }
    public InferenceSession Session { get; }
    public OnnxDetectorLayout Layout { get; }
    public string InputName { get; }

    /// <summary>YOLOv8: the single output. MeTRAbs: [boxes, scores].</summary>
    public string[] OutputNames { get; }

    /// <summary>YOLOv8 only: the letterbox size.</summary>
    public int InputHeightPixels { get; }
    public int InputWidthPixels { get; }

    /// <summary>YOLOv8 only: output is [1,4+C,N] (true) or [1,N,4+C] (false).</summary>
    public bool ChannelsFirstOutput { get; }

    public static OnnxDetectorModel Load(string path, int intraOpThreads, GraphOptimizationLevel optimization)
    {
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new DetectorModelLoadException(path, $"ONNX detector model '{fullPath}' does not exist.");
        InferenceSession session;
        try
        {
            using var options = new SessionOptions
            {
                IntraOpNumThreads = intraOpThreads,
                InterOpNumThreads = 1,
                GraphOptimizationLevel = optimization,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            };
            session = new InferenceSession(fullPath, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new DetectorModelLoadException(path, $"ONNX Runtime cannot load the detector model '{fullPath}': {e.Message}", e);
        }
        try
        {
            return Recognise(fullPath, session);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static OnnxDetectorModel Recognise(string fullPath, InferenceSession session)
    {
        var inputs = session.InputMetadata;
        var outputs = session.OutputMetadata;
        string Describe() =>
            "inputs: " + string.Join(", ", inputs.Select(i => $"{i.Key} {i.Value.ElementDataType}[{string.Join(",", i.Value.Dimensions)}]"))
            + "; outputs: " + string.Join(", ", outputs.Select(o => $"{o.Key} {o.Value.ElementDataType}[{string.Join(",", o.Value.Dimensions)}]"));
        UnknownModelLayoutException Unknown(string why) => new(fullPath,
            $"The ONNX detector '{fullPath}' has a layout the engine does not know ({why}). Expected a YOLOv8/YOLO11 export " +
            $"(input [1,3,H,W], output [1,4+C,N]) or the MeTRAbs YOLOv4 export (input [N,H,W,3], outputs boxes [N,M,4] and scores [N,M,C]). Found {Describe()}.");

        if (inputs.Count != 1)
            throw Unknown($"{inputs.Count} inputs instead of 1");
        var (inputName, input) = (inputs.First().Key, inputs.First().Value);
        if (!input.IsTensor || input.ElementDataType != TensorElementType.Float || input.Dimensions.Length != 4)
            throw Unknown("the input is not a 4-D float tensor");
        bool IsFloatRank3(NodeMetadata m) => m.IsTensor && m.Dimensions.Length == 3
            && m.ElementDataType is TensorElementType.Float or TensorElementType.Float16;

        if (input.Dimensions[1] == 3 && outputs.Count == 1 && IsFloatRank3(outputs.First().Value))
        {
            int[] dims = outputs.First().Value.Dimensions;
            bool channelsFirst;
            // The Ultralytics export is [1, 4+C, N]; [1, N, 4+C] only when the middle axis cannot be 4+C.
            if (IsAttributeCount(dims[1]))
                channelsFirst = true;
            else if (IsAttributeCount(dims[2]))
                channelsFirst = false;
            else
                throw Unknown("the output's box/class axis cannot be told from its candidate axis");
            int height = input.Dimensions[2] > 0 ? input.Dimensions[2] : DefaultYoloInputSizePixels;
            int width = input.Dimensions[3] > 0 ? input.Dimensions[3] : DefaultYoloInputSizePixels;
            return new OnnxDetectorModel(fullPath, session, OnnxDetectorLayout.YoloV8, inputName, [outputs.First().Key], height, width, channelsFirst);
        }
        if (input.Dimensions[3] == 3 && outputs.Count == 2 && outputs.All(o => IsFloatRank3(o.Value)))
        {
            var boxes = outputs.Where(o => o.Value.Dimensions[2] == 4).ToList();
            var scores = outputs.Where(o => o.Value.Dimensions[2] != 4 && o.Value.Dimensions[2] >= 1).ToList();
            if (boxes.Count == 1 && scores.Count == 1)
                return new OnnxDetectorModel(fullPath, session, OnnxDetectorLayout.MetrabsYoloV4, inputName,
                    [boxes[0].Key, scores[0].Key], 0, 0, channelsFirstOutput: false);
            throw Unknown("two outputs, but not one with last axis 4 (boxes) and one with the class scores");
        }
        throw Unknown("the input/output shapes match no known detector");
    }

    /// <summary>4 box numbers plus 1..1000 class scores.</summary>
    private static bool IsAttributeCount(int size) => size >= 5 && size <= 1004;

    public void Dispose() => Session.Dispose();
}

/// <summary>
/// Process-wide cache of loaded ONNX detectors, keyed by full path, file write time and session options, so that a
/// batch of videos loads a model once. Thread-safe; a model that fails to load is not cached.
/// </summary>
internal static class OnnxDetectorModelCache
{
    private static readonly ConcurrentDictionary<string, Lazy<OnnxDetectorModel>> Models = new();

    public static OnnxDetectorModel Get(string path, int intraOpThreads, GraphOptimizationLevel optimization)
    {
        string fullPath = Path.GetFullPath(path);
        long writeTicks = File.Exists(fullPath) ? File.GetLastWriteTimeUtc(fullPath).Ticks : 0;
        string key = $"{fullPath}|{writeTicks}|{intraOpThreads}|{optimization}";
        var lazy = Models.GetOrAdd(key, _ => new Lazy<OnnxDetectorModel>(
            () => OnnxDetectorModel.Load(fullPath, intraOpThreads, optimization), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            Models.TryRemove(new KeyValuePair<string, Lazy<OnnxDetectorModel>>(key, lazy));
            throw;
        }
    }

    /// <summary>Number of cached models (for tests).</summary>
    internal static int Count => Models.Count;

    /// <summary>Drops and disposes every cached model. Callers must not be running detections.</summary>
    public static void Clear()
    {
        foreach (var key in Models.Keys.ToArray())
            if (Models.TryRemove(key, out var lazy) && lazy.IsValueCreated)
                lazy.Value.Dispose();
    }
}
