using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MonoBiomech.Engine.Pose.Metrabs;

/// <summary>The MeTRAbs ONNX backbone's inputs or outputs are not what the stage feeds and reads.</summary>
public sealed class PoseModelMismatchException(string modelPath, string message) : Exception(message)
{
    public string ModelPath { get; } = modelPath;
}

/// <summary>ONNX Runtime cannot load the MeTRAbs backbone (not an ONNX file, truncated, an operator it lacks).</summary>
public sealed class PoseModelUnreadableException(string modelPath, string message, Exception inner) : Exception(message, inner)
{
    public string ModelPath { get; } = modelPath;
}

/// <summary>
/// The MeTRAbs crop network in ONNX Runtime: a batch of square RGB crops in [0, 1] in, per crop and joint the 2D
/// position in crop pixels and the 3D position in millimetres relative to an unknown reference point out. The input's
/// element type (float16 for the published export, or float32) and layout (NHWC, or NCHW) are read from the model.
/// </summary>
internal sealed class MetrabsBackbone(string modelPath, InferenceSession session, string inputName, bool halfPrecisionInput, bool channelsLast,
    string output2dName, string output3dName, int jointCount, int cropSidePixels) : IDisposable
{
    public string ModelPath { get; } = modelPath;

    /// <summary>The input is float16 (true; feed <see cref="Run(Float16[], int, float[], float[], CancellationToken)"/>) or float32.</summary>
    public bool HalfPrecisionInput { get; } = halfPrecisionInput;

    /// <summary>The input is [N, side, side, 3] (true) or [N, 3, side, side].</summary>
    public bool ChannelsLast { get; } = channelsLast;

    public int JointCount { get; } = jointCount;

    public int CropSidePixels { get; } = cropSidePixels;

    /// <summary>"float16 NHWC [N,256,256,3]"-style description of the input, for messages and the result's provenance.</summary>
    public string InputDescription => $"{(HalfPrecisionInput ? "float16" : "float32")} {(ChannelsLast ? "NHWC" : "NCHW")}";

    /// <summary>Loads and checks the network against the metadata's joint count and crop side.</summary>
    /// <param name="threadCount">Intra-op threads; 0: one per logical processor.</param>
    /// <exception cref="PoseModelUnreadableException">ONNX Runtime cannot load the file.</exception>
    /// <exception cref="PoseModelMismatchException">Its inputs or outputs do not fit.</exception>
    public static MetrabsBackbone Load(string path, int jointCount, int cropSidePixels, int threadCount)
    {
        InferenceSession session;
        try
        {
            using var options = new SessionOptions
            {
                IntraOpNumThreads = threadCount > 0 ? threadCount : Environment.ProcessorCount,
                InterOpNumThreads = 1,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            };
            // Between batches ONNX Runtime's threads would spin for work and take the cores the decoding thread needs.
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new PoseModelUnreadableException(path, $"ONNX Runtime cannot load the MeTRAbs backbone '{path}': {e.Message}", e);
        }
        try
        {
            return Recognise(path, session, jointCount, cropSidePixels);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static MetrabsBackbone Recognise(string path, InferenceSession session, int jointCount, int side)
    {
        string Describe(IReadOnlyDictionary<string, NodeMetadata> nodes) =>
            string.Join(", ", nodes.Select(n => $"{n.Key} {(n.Value.IsTensor ? n.Value.ElementDataType.ToString() : n.Value.OnnxValueType.ToString())}[{string.Join(",", n.Value.Dimensions)}]"));
        PoseModelMismatchException Mismatch(string why) => new(path,
            $"The ONNX model '{path}' does not fit the MeTRAbs stage: {why}. Expected one float16 or float32 input [N,{side},{side},3] (or [N,3,{side},{side}]) " +
            $"and two float32 outputs [N,{jointCount},2] (crop pixels) and [N,{jointCount},3] (millimetres). " +
            $"Found inputs {Describe(session.InputMetadata)}; outputs {Describe(session.OutputMetadata)}.");
        bool Fits(int dimension, int expected) => dimension <= 0 || dimension == expected; // ≤ 0: dynamic

        if (session.InputMetadata.Count != 1) throw Mismatch($"{session.InputMetadata.Count} inputs instead of 1");
        var (inputName, input) = (session.InputMetadata.First().Key, session.InputMetadata.First().Value);
        if (!input.IsTensor || input.ElementDataType is not (TensorElementType.Float16 or TensorElementType.Float) || input.Dimensions.Length != 4)
            throw Mismatch("the input is not a 4-D float16 or float32 tensor");
        int[] d = input.Dimensions;
        bool channelsLast = d[3] == 3 && Fits(d[1], side) && Fits(d[2], side);
        bool channelsFirst = d[1] == 3 && Fits(d[2], side) && Fits(d[3], side);
        if (!channelsLast && !channelsFirst) throw Mismatch($"the input is not {side}x{side} RGB (the metadata's input_resolution is {side})");

        if (session.OutputMetadata.Count != 2) throw Mismatch($"{session.OutputMetadata.Count} outputs instead of 2");
        string? Output(int coordinates) => session.OutputMetadata
            .Where(o => o.Value.IsTensor && o.Value.ElementDataType == TensorElementType.Float && o.Value.Dimensions.Length == 3
                        && o.Value.Dimensions[2] == coordinates && Fits(o.Value.Dimensions[1], jointCount))
            .Select(o => o.Key).FirstOrDefault();
        // Told apart by their last axis (2: image, 3: metric), not by their order or names.
        string output2d = Output(2) ?? throw Mismatch($"no float32 output [N,{jointCount},2]");
        string output3d = Output(3) ?? throw Mismatch($"no float32 output [N,{jointCount},3]");
        return new MetrabsBackbone(path, session, inputName, input.ElementDataType == TensorElementType.Float16, channelsLast, output2d, output3d, jointCount, side);
    }

    /// <summary>
    /// Runs <paramref name="cropCount"/> crops of <paramref name="crops"/> (side × side × 3 values each, in this model's
    /// layout) through a float32 model and writes the joints' crop-pixel 2D positions [crop, joint, xy] and relative 3D
    /// positions [crop, joint, xyz], mm.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled; a running inference is stopped within a fraction of a second.</exception>
    public void Run(float[] crops, int cropCount, float[] coordinates2d, float[] coordinates3d, CancellationToken cancellationToken)
    {
        if (HalfPrecisionInput) throw new InvalidOperationException("The model takes float16 crops.");
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, crops.AsMemory(0, cropCount * CropValueCount), InputShape(cropCount));
        Run(input, cropCount, coordinates2d, coordinates3d, cancellationToken);
    }

    /// <summary>The same for a float16 model (<see cref="HalfPrecisionInput"/>).</summary>
    public void Run(Float16[] crops, int cropCount, float[] coordinates2d, float[] coordinates3d, CancellationToken cancellationToken)
    {
        if (!HalfPrecisionInput) throw new InvalidOperationException("The model takes float32 crops.");
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, crops.AsMemory(0, cropCount * CropValueCount), InputShape(cropCount));
        Run(input, cropCount, coordinates2d, coordinates3d, cancellationToken);
    }

    /// <summary>Values per crop: side × side × 3.</summary>
    public int CropValueCount => CropSidePixels * CropSidePixels * 3;

    private long[] InputShape(int cropCount) => ChannelsLast
        ? new long[] { cropCount, CropSidePixels, CropSidePixels, 3 }
        : new long[] { cropCount, 3, CropSidePixels, CropSidePixels };

    private void Run(OrtValue input, int cropCount, float[] coordinates2d, float[] coordinates3d, CancellationToken cancellationToken)
    {
        using var runOptions = new RunOptions();
        using CancellationTokenRegistration stop = cancellationToken.Register(() => runOptions.Terminate = true);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            using var outputs = session.Run(runOptions, new[] { inputName }, new[] { input }, new[] { output2dName, output3dName });
            Copy(outputs[0], cropCount * JointCount * 2, coordinates2d, "2D");
            Copy(outputs[1], cropCount * JointCount * 3, coordinates3d, "3D");
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    private void Copy(OrtValue output, int expected, float[] destination, string what)
    {
        ReadOnlySpan<float> values = output.GetTensorDataAsSpan<float>();
        if (values.Length != expected)
            throw new PoseModelMismatchException(ModelPath, $"The ONNX model '{ModelPath}' gave {values.Length} {what} values for a batch that needs {expected}.");
        values.CopyTo(destination);
    }

    public void Dispose() => session.Dispose();
}
