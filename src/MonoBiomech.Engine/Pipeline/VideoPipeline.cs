using System.Globalization;
using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Engine.Caching;
using MonoBiomech.Engine.Exports;
using MonoBiomech.Engine.Fitting;
using MonoBiomech.Engine.Formats;
using MonoBiomech.Engine.Pose;
using MonoBiomech.Fitting;
using MonoBiomech.Pipeline;
using MonoBiomech.Pose;

namespace MonoBiomech.Engine.Pipeline;

/// <summary>The files the pipeline writes for a video, all named after it.</summary>
public sealed record PipelineOutputs(string Motion, string Markers, string KeypointMarkers, string CoordinateTable, string JointAnglePlot, string OverlayVideo,
    string OverlayStill, string Keypoints, string FittedModel)
{
    /// <summary>The outputs of <paramref name="videoPath"/> in <paramref name="outputDirectory"/> (null: beside the video).</summary>
    public static PipelineOutputs For(string videoPath, string? outputDirectory)
    {
        string Fit(FitExportFormat format) => FitExport.PathFor(format, videoPath, outputDirectory);
        string stem = Path.Combine(outputDirectory ?? Path.GetDirectoryName(Path.GetFullPath(videoPath))!, KeypointsNpz.BaseName(videoPath));
        return new PipelineOutputs(Fit(FitExportFormat.Mot), Fit(FitExportFormat.Trc), Fit(FitExportFormat.KeypointTrc), Fit(FitExportFormat.Csv), Fit(FitExportFormat.Plot),
            stem + ModelOverlay.VideoSuffix, stem + ModelOverlay.StillSuffix, stem + KeypointsNpz.FileSuffix, Fit(FitExportFormat.Npz));
    }

    /// <summary>In the order they are written; the fitted model last, so its presence means the video is done.</summary>
    public IReadOnlyList<string> All => new[] { Keypoints, Motion, Markers, KeypointMarkers, CoordinateTable, JointAnglePlot, OverlayVideo, OverlayStill, FittedModel };
}

/// <summary>
/// One video from frames to files: the pose stage (session cache first), the fit, then the outputs, each written to a
/// temporary file and moved into place. Owns the stage order; the cmdlet only binds parameters and reports.
/// </summary>
public static class VideoPipeline
{
    /// <exception cref="PoseModelFileException">The pose model is missing or not the published file.</exception>
    /// <exception cref="Video.VideoReadException">The video cannot be read.</exception>
    /// <exception cref="FitInputException">The keypoints cannot be fitted (for example, no subject was found).</exception>
    /// <exception cref="OperationCanceledException">Cancelled; nothing is written then.</exception>
    public static MonoBiomechResult Run(string videoPath, PoseEstimationSettings poseSettings, BodyModel bodyModel, BiomechFitSettings fitSettings,
        PipelineOutputs outputs, SessionCache cache, IProgress<PipelineProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var c = CultureInfo.InvariantCulture;
        var poseProgress = progress is null ? null : new ProgressRelay<PoseProgress>(p => progress.Report(new PipelineProgress(p.Phase,
            string.Create(c, $"{p.FramesDone}/{p.FrameCount} frames, {p.FramesPerSecond:F1} frames/s"),
            p.FrameCount > 0 ? Math.Clamp(100 * p.FramesDone / p.FrameCount, 0, 100) : -1)));
        PoseStageResult pose = PoseStage.Run(videoPath, null, poseSettings, cache, refresh: false, poseProgress, cancellationToken);

        var fitProgress = progress is null ? null : new ProgressRelay<FitProgress>(p => progress.Report(new PipelineProgress(FitStage,
            string.Create(c, $"{p.Stage}: iteration {p.Iteration}/{p.MaxIterations}"), p.MaxIterations > 0 ? Math.Clamp(100 * p.Iteration / p.MaxIterations, 0, 100) : -1)));
        BiomechFitResult fit = BiomechFitter.Fit(bodyModel, new[] { pose.Poses }, fitSettings, fitProgress, cancellationToken)[0];

        // Each file is written whole or not at all; a cancel during the overlay leaves the files before it, but not the
        // fitted model, which is written last and so marks a finished video.
        cancellationToken.ThrowIfCancellationRequested();
        progress?.Report(new PipelineProgress(WritingStage, Path.GetDirectoryName(outputs.FittedModel)!, -1));
        KeypointsNpz.Write(outputs.Keypoints, pose.Poses);
        FitExport.Write(FitExportFormat.Mot, outputs.Motion, fit, bodyModel);
        FitExport.Write(FitExportFormat.Trc, outputs.Markers, fit, bodyModel);
        FitExport.Write(FitExportFormat.KeypointTrc, outputs.KeypointMarkers, fit, bodyModel);
        FitExport.Write(FitExportFormat.Csv, outputs.CoordinateTable, fit, bodyModel);
        FitExport.Write(FitExportFormat.Plot, outputs.JointAnglePlot, fit, bodyModel);
        int[] parents = bodyModel.Bodies.Select(b => b.ParentIndex).ToArray();
        progress?.Report(new PipelineProgress(WritingStage, "overlay video", -1));
        ModelOverlay.Write(outputs.OverlayVideo, outputs.OverlayStill, videoPath, fit, parents, cancellationToken);
        FitExport.Write(FitExportFormat.Npz, outputs.FittedModel, fit, bodyModel); // last: its presence marks a finished video (-SkipExisting)
        return new MonoBiomechResult
        {
            VideoPath = Path.GetFullPath(videoPath),
            Keypoints = pose.Poses,
            Fit = fit,
            OutputFiles = outputs.All,
            KeypointsFromCache = pose.FromCache,
        };
    }

    public const string FitStage = "fit", WritingStage = "writing";
}
