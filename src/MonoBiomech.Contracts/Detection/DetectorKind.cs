namespace MonoBiomech.Detection;

/// <summary>Which person detector runs on the frames.</summary>
public enum DetectorKind
{
    /// <summary>
    /// Needs no model file: OpenCV's HOG people detector, background subtraction for moving people and a KCF tracker
    /// that holds a person between hits. Good enough for one main subject in front of a still camera.
    /// </summary>
    Default,
    /// <summary>An ONNX detector file (<see cref="PersonDetectionSettings.OnnxModelPath"/>): YOLOv8/YOLO11 or the MeTRAbs YOLOv4 export.</summary>
    Onnx,
}
