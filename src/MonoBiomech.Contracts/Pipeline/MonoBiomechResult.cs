using MonoBiomech.Fitting;
using MonoBiomech.Pose;

namespace MonoBiomech.Pipeline;

/// <summary>One video through the whole pipeline: its keypoints, the fitted model and the files written.</summary>
public sealed class MonoBiomechResult
{
    public required string VideoPath { get; init; }

    public required PoseSequence Keypoints { get; init; }

    public required BiomechFitResult Fit { get; init; }

    /// <summary>Full paths of the files written, in the order written.</summary>
    public required IReadOnlyList<string> OutputFiles { get; init; }

    /// <summary>True when the keypoints came from the session cache.</summary>
    public bool KeypointsFromCache { get; init; }

    /// <summary>Which pose model made the keypoints, for example "BlazePose GHUM 3D Full (pose_landmark_full.tflite)".</summary>
    public string? PoseModelDescription => Keypoints.PoseModelDescription;

    /// <summary>For example "walk.mp4: 164 fitted frames, 3D error 25 mm, 2D error 7.9 px, 5 files".</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Path.GetFileName(VideoPath)}: {Fit.FrameCount} fitted frames, 3D error {Fit.Metrics?.Mean3dErrorMillimetres:0.#} mm, 2D error {Fit.Metrics?.Mean2dErrorPixels:0.#} px, {OutputFiles.Count} files");
}

/// <summary>Progress of one video through the pipeline.</summary>
/// <param name="Stage">"person detection", "keypoints", "fit" or "writing".</param>
/// <param name="Status">What the stage is doing, for example "120/230 frames, 28.5 frames/s".</param>
/// <param name="PercentComplete">Of the stage, 0-100; -1 when unknown.</param>
public sealed record PipelineProgress(string Stage, string Status, int PercentComplete);
