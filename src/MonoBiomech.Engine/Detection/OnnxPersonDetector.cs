using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MonoBiomech.Detection;
using OpenCvSharp;

namespace MonoBiomech.Engine.Detection;

/// <summary>How a frame was scaled and padded into the network input, to map boxes back to frame pixels.</summary>
/// <param name="ScaleX">Input pixels per frame pixel, horizontally.</param>
/// <param name="ScaleY">Input pixels per frame pixel, vertically.</param>
/// <param name="ResizedWidthPixels">Width of the scaled frame inside the padded input.</param>
/// <param name="ResizedHeightPixels">Height of the scaled frame inside the padded input.</param>
internal readonly record struct LetterboxTransform(
    int FrameWidthPixels, int FrameHeightPixels, int ResizedWidthPixels, int ResizedHeightPixels,
    int LeftPixels, int TopPixels, int InputWidthPixels, int InputHeightPixels, float ScaleX, float ScaleY)
{
    /// <summary>
    /// Ultralytics letterbox: one scale r = min(Hin/H, Win/W), resized size rounded, padding split with
    /// round(d/2 ∓ 0.1) (Python's banker's rounding), grey 114.
    /// </summary>
    public static LetterboxTransform YoloV8(int frameWidth, int frameHeight, int inputWidth, int inputHeight)
    {
        float r = Math.Min((float)inputHeight / frameHeight, (float)inputWidth / frameWidth);
        int resizedWidth = (int)Math.Round(frameWidth * r, MidpointRounding.ToEven);
        int resizedHeight = (int)Math.Round(frameHeight * r, MidpointRounding.ToEven);
        float dw = (inputWidth - resizedWidth) / 2f, dh = (inputHeight - resizedHeight) / 2f;
        int left = (int)Math.Round(dw - 0.1, MidpointRounding.ToEven);
        int top = (int)Math.Round(dh - 0.1, MidpointRounding.ToEven);
        return new LetterboxTransform(frameWidth, frameHeight, resizedWidth, resizedHeight, left, top, inputWidth, inputHeight, r, r);
    }

    /// <summary>
    /// MeTRAbs YOLOv4: factor = 416 / max(H, W) in float32, truncated target size, padding to multiples of 32 centred
    /// (floor on top/left). Boxes map back with W / target_w and H / target_h (not 1 / factor).
    /// </summary>
    public static LetterboxTransform MetrabsYoloV4(int frameWidth, int frameHeight, int longerSidePixels = 416)
    {
        float factor = (float)longerSidePixels / Math.Max(frameWidth, frameHeight);
        int targetWidth = (int)(factor * frameWidth);
        int targetHeight = (int)(factor * frameHeight);
        int padWidth = (32 - targetWidth % 32) % 32, padHeight = (32 - targetHeight % 32) % 32;
        return new LetterboxTransform(frameWidth, frameHeight, targetWidth, targetHeight, padWidth / 2, padHeight / 2,
            targetWidth + padWidth, targetHeight + padHeight, (float)targetWidth / frameWidth, (float)targetHeight / frameHeight);
    }

    /// <summary>Maps a corner box in input pixels back to frame pixels (top-left + size).</summary>
    public (float X, float Y, float Width, float Height) ToFrame(float x1, float y1, float x2, float y2)
    {
        float xFactor = (float)FrameWidthPixels / ResizedWidthPixels, yFactor = (float)FrameHeightPixels / ResizedHeightPixels;
        return ((x1 - LeftPixels) * xFactor, (y1 - TopPixels) * yFactor, (x2 - x1) * xFactor, (y2 - y1) * yFactor);
    }
}

/// <summary>Per-video runner of a shared <see cref="OnnxDetectorModel"/>: preprocessing buffers, inference, decoding.</summary>
internal sealed class OnnxPersonDetector : IPersonDetector
{
    /// <summary>At most this many boxes per frame leave NMS (as the MeTRAbs detector's combined NMS does).</summary>
    internal const int MaxDetections = 150;
    private const int PersonClass = 0;

    private readonly OnnxDetectorModel _model;
    private readonly float _scoreThreshold;
    private readonly float _nmsIouThreshold;
    private readonly Mat _rgb = new(), _resized = new(), _padded = new(), _linear = new();
    private readonly Mat _gammaDecode;
    private float[] _input = [];

    public OnnxPersonDetector(OnnxDetectorModel model, float scoreThreshold, float nmsIouThreshold)
    {
        _model = model;
        _scoreThreshold = scoreThreshold;
        _nmsIouThreshold = nmsIouThreshold;
        _gammaDecode = new Mat(1, 256, MatType.CV_32FC1);
        for (int v = 0; v < 256; v++)
            _gammaDecode.Set(0, v, MathF.Pow(v / 255f, 2.2f));
    }

    public string Description => $"{(_model.Layout == OnnxDetectorLayout.YoloV8 ? "YOLOv8" : "MeTRAbs YOLOv4")} ONNX ({_model.ModelPath})";

    public IReadOnlyList<PersonBox> Detect(Mat bgrFrame)
    {
        var letterbox = _model.Layout == OnnxDetectorLayout.YoloV8
            ? LetterboxTransform.YoloV8(bgrFrame.Cols, bgrFrame.Rows, _model.InputWidthPixels, _model.InputHeightPixels)
            : LetterboxTransform.MetrabsYoloV4(bgrFrame.Cols, bgrFrame.Rows);
        long[] inputShape = _model.Layout == OnnxDetectorLayout.YoloV8
            ? PrepareYoloV8(bgrFrame, letterbox)
            : PrepareMetrabs(bgrFrame, letterbox);

        using var inputValue = OrtValue.CreateTensorValueFromMemory(_input, inputShape);
        using var runOptions = new RunOptions();
        using var outputs = _model.Session.Run(runOptions, [_model.InputName], [inputValue], _model.OutputNames);
        List<ScoredBox> boxes;
        if (_model.Layout == OnnxDetectorLayout.YoloV8)
        {
            var shape = outputs[0].GetTensorTypeAndShape().Shape;
            boxes = DecodeYoloV8(ReadFloats(outputs[0]), (int)shape[1], (int)shape[2], _model.ChannelsFirstOutput, letterbox, _scoreThreshold, _nmsIouThreshold);
        }
        else
        {
            var scoreShape = outputs[1].GetTensorTypeAndShape().Shape;
            boxes = DecodeMetrabs(ReadFloats(outputs[0]), ReadFloats(outputs[1]), (int)scoreShape[1], (int)scoreShape[2], letterbox, _scoreThreshold, _nmsIouThreshold);
        }
        return boxes.Select(b => b.ToPersonBox()).ToArray();
    }

    private static float[] ReadFloats(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        if (info.ElementDataType == TensorElementType.Float)
            return value.GetTensorDataAsSpan<float>().ToArray();
        var halves = value.GetTensorDataAsSpan<Float16>();
        var floats = new float[halves.Length];
        for (int i = 0; i < halves.Length; i++)
            floats[i] = (float)halves[i];
        return floats;
    }

    /// <summary>BGR frame to [1,3,H,W] RGB 0..1 letterboxed with grey 114.</summary>
    private long[] PrepareYoloV8(Mat bgr, LetterboxTransform letterbox)
    {
        Cv2.Resize(bgr, _resized, new Size(letterbox.ResizedWidthPixels, letterbox.ResizedHeightPixels), 0, 0, InterpolationFlags.Linear);
        int right = letterbox.InputWidthPixels - letterbox.ResizedWidthPixels - letterbox.LeftPixels;
        int bottom = letterbox.InputHeightPixels - letterbox.ResizedHeightPixels - letterbox.TopPixels;
        Cv2.CopyMakeBorder(_resized, _padded, letterbox.TopPixels, bottom, letterbox.LeftPixels, right, BorderTypes.Constant, new Scalar(114, 114, 114));
        int h = letterbox.InputHeightPixels, w = letterbox.InputWidthPixels, plane = h * w;
        EnsureInput(3 * plane);
        unsafe
        {
            for (int y = 0; y < h; y++)
            {
                byte* row = (byte*)_padded.Ptr(y);
                int offset = y * w;
                for (int x = 0; x < w; x++)
                {
                    _input[offset + x] = row[3 * x + 2] / 255f;            // R
                    _input[plane + offset + x] = row[3 * x + 1] / 255f;    // G
                    _input[2 * plane + offset + x] = row[3 * x] / 255f;    // B
                }
            }
        }
        return [1, 3, h, w];
    }

    /// <summary>BGR frame to [1,H,W,3] RGB 0..1: gamma-decoded resize (AREA down, LINEAR up), re-encoded, padded with 0.5.</summary>
    private long[] PrepareMetrabs(Mat bgr, LetterboxTransform letterbox)
    {
        Cv2.CvtColor(bgr, _rgb, ColorConversionCodes.BGR2RGB);
        Cv2.LUT(_rgb, _gammaDecode, _linear);
        var interpolation = letterbox.ResizedWidthPixels <= bgr.Cols ? InterpolationFlags.Area : InterpolationFlags.Linear;
        Cv2.Resize(_linear, _resized, new Size(letterbox.ResizedWidthPixels, letterbox.ResizedHeightPixels), 0, 0, interpolation);
        Cv2.Pow(_resized, 1 / 2.2, _resized);
        int right = letterbox.InputWidthPixels - letterbox.ResizedWidthPixels - letterbox.LeftPixels;
        int bottom = letterbox.InputHeightPixels - letterbox.ResizedHeightPixels - letterbox.TopPixels;
        Cv2.CopyMakeBorder(_resized, _padded, letterbox.TopPixels, bottom, letterbox.LeftPixels, right, BorderTypes.Constant, Scalar.All(0.5));
        int count = letterbox.InputHeightPixels * letterbox.InputWidthPixels * 3;
        EnsureInput(count);
        unsafe
        {
            if (!_padded.IsContinuous())
                throw new InvalidOperationException("Padded detector input is not continuous.");
            new ReadOnlySpan<float>((void*)_padded.Data, count).CopyTo(_input);
        }
        return [1, letterbox.InputHeightPixels, letterbox.InputWidthPixels, 3];
    }

    private void EnsureInput(int count)
    {
        if (_input.Length != count)
            _input = new float[count];
    }

    /// <summary>
    /// YOLOv8 output to person boxes: each candidate takes its best class (score = that class's score), candidates
    /// under the threshold are dropped, NMS runs per class (a box of another class never suppresses a person), then
    /// persons are mapped out of the letterbox and clipped to the frame (as Ultralytics does).
    /// </summary>
    internal static List<ScoredBox> DecodeYoloV8(ReadOnlySpan<float> output, int dim1, int dim2, bool channelsFirst,
        LetterboxTransform letterbox, float scoreThreshold, float nmsIouThreshold)
    {
        int attributes = channelsFirst ? dim1 : dim2;
        int count = channelsFirst ? dim2 : dim1;
        int classes = attributes - 4;
        float At(ReadOnlySpan<float> o, int attribute, int candidate) =>
            channelsFirst ? o[attribute * count + candidate] : o[candidate * attributes + attribute];
        var candidates = new List<ScoredBox>();
        for (int n = 0; n < count; n++)
        {
            int bestClass = 0;
            float best = At(output, 4, n);
            for (int c = 1; c < classes; c++)
            {
                float s = At(output, 4 + c, n);
                if (s > best)
                {
                    best = s;
                    bestClass = c;
                }
            }
            if (!(best >= scoreThreshold))
                continue;
            float cx = At(output, 0, n), cy = At(output, 1, n), w = At(output, 2, n), h = At(output, 3, n);
            candidates.Add(new ScoredBox(cx - w / 2, cy - h / 2, w, h, best, bestClass));
        }
        var kept = BoxGeometry.NonMaximumSuppression(candidates, nmsIouThreshold);
        var persons = new List<ScoredBox>();
        foreach (var k in kept)
        {
            if (k.ClassId != PersonClass)
                continue;
            var (x, y, w, h) = letterbox.ToFrame(k.X, k.Y, k.X + k.Width, k.Y + k.Height);
            float x1 = Math.Clamp(x, 0, letterbox.FrameWidthPixels), y1 = Math.Clamp(y, 0, letterbox.FrameHeightPixels);
            float x2 = Math.Clamp(x + w, 0, letterbox.FrameWidthPixels), y2 = Math.Clamp(y + h, 0, letterbox.FrameHeightPixels);
            if (persons.Count < MaxDetections)
                persons.Add(new ScoredBox(x1, y1, x2 - x1, y2 - y1, k.Score, PersonClass));
        }
        return persons;
    }

    /// <summary>
    /// MeTRAbs YOLOv4 outputs to person boxes: person score = scores[..., 0], threshold, single-class greedy NMS
    /// (at most 150, by descending score), mapped back with the padding and W/target_w, H/target_h; not clipped.
    /// </summary>
    internal static List<ScoredBox> DecodeMetrabs(ReadOnlySpan<float> boxes, ReadOnlySpan<float> scores, int count, int classes,
        LetterboxTransform letterbox, float scoreThreshold, float nmsIouThreshold)
    {
        var candidates = new List<ScoredBox>();
        for (int n = 0; n < count; n++)
        {
            float score = scores[n * classes + PersonClass];
            if (!(score >= scoreThreshold))
                continue;
            float cx = boxes[4 * n], cy = boxes[4 * n + 1], w = boxes[4 * n + 2], h = boxes[4 * n + 3];
            candidates.Add(new ScoredBox(cx - w / 2, cy - h / 2, w, h, score, PersonClass));
        }
        return BoxGeometry.NonMaximumSuppression(candidates, nmsIouThreshold, MaxDetections)
            .Select(k =>
            {
                var (x, y, w, h) = letterbox.ToFrame(k.X, k.Y, k.X + k.Width, k.Y + k.Height);
                return new ScoredBox(x, y, w, h, k.Score, PersonClass);
            })
            .ToList();
    }

    public void Dispose()
    {
        _rgb.Dispose(); _resized.Dispose(); _padded.Dispose(); _linear.Dispose(); _gammaDecode.Dispose();
    }
}
