using MonoBiomech.Detection;
using OpenCvSharp;

namespace MonoBiomech.Engine.Detection;

/// <summary>
/// Finds the persons in one frame. An instance holds the per-video state (buffers, background model); the loaded
/// network behind it is immutable and may be shared between instances. Not thread-safe. Internal: it takes an OpenCvSharp
/// Mat, which must not become part of the engine's public surface.
/// </summary>
internal interface IPersonDetector : IDisposable
{
    /// <summary>Human-readable name of the detector and its model, e.g. "YOLOv8 ONNX (/models/yolov8n.onnx)".</summary>
    string Description { get; }

    /// <summary>
    /// Detects persons in a BGR 8-bit frame. Boxes are in original-frame pixels, sorted by descending score, with
    /// score threshold and non-maximum suppression already applied.
    /// </summary>
    IReadOnlyList<PersonBox> Detect(Mat bgrFrame);
}
