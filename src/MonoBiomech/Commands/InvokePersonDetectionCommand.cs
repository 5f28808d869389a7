using System.Management.Automation;
using MonoBiomech.Caching;
using MonoBiomech.Detection;
using MonoBiomech.Engine.Caching;
using MonoBiomech.Engine.Detection;
using MonoBiomech.Engine.Video;

namespace MonoBiomech.Commands;

/// <summary>
/// Finds the people in each video, follows them over time and picks the subject; emits one
/// <see cref="PersonDetectionResult"/> per video. Results are cached for the session by file version and settings.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PersonDetection", DefaultParameterSetName = PathParameterSet)]
[OutputType(typeof(PersonDetectionResult))]
public sealed class InvokePersonDetectionCommand : FileInputCmdletBase
{
    #region Members

    private PersonDetectionSettings _settings = new();
    private int _videoNumber;

    #endregion

    #region Parameters

    /// <summary>Default (no model file needed) or Onnx (a YOLO-style detector given by -ModelPath).</summary>
    [Parameter]
    [ValidateSet(nameof(DetectorKind.Default), nameof(DetectorKind.Onnx))]
    public string Detector { get; set; } = nameof(DetectorKind.Default);

    /// <summary>The ONNX person detector file; implies -Detector Onnx.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ModelPath { get; set; }

    /// <summary>Minimum detection score (0..1) for a person box to be kept.</summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public float ScoreThreshold { get; set; }

    /// <summary>Run the detector on every k-th frame; a tracker follows the people in between.</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int DetectionInterval { get; set; }

    /// <summary>How the subject is chosen among the people: LongestTracked, Largest or MostMoving.</summary>
    [Parameter]
    [ValidateSet(nameof(Detection.SubjectPolicy.LongestTracked), nameof(Detection.SubjectPolicy.Largest), nameof(Detection.SubjectPolicy.MostMoving))]
    public string SubjectPolicy { get; set; } = nameof(Detection.SubjectPolicy.LongestTracked);

    /// <summary>ONNX Runtime threads; 0 uses one per logical processor.</summary>
    [Parameter]
    [ValidateRange(0, 1024)]
    public int ThreadCount { get; set; }

    /// <summary>Ignore the session cache and detect again.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    #endregion

    #region Methods

    protected override string NotFoundErrorId => "VideoNotFound";

    protected override void BeginProcessing() => _settings = BuildSettings();

    protected override void ProcessRecord()
    {
        // The engine reports missing files and directories, so literal paths need no check here.
        foreach (string videoPath in ResolveInputPaths())
        {
            if (StopToken.IsCancellationRequested)
                return;
            DetectInVideo(videoPath);
        }
    }

    private PersonDetectionSettings BuildSettings()
    {
        var bound = MyInvocation.BoundParameters;
        var settings = new PersonDetectionSettings
        {
            Detector = ModelPath is not null && !bound.ContainsKey(nameof(Detector))
                ? DetectorKind.Onnx
                : Enum.Parse<DetectorKind>(Detector, ignoreCase: true),
            SubjectPolicy = Enum.Parse<Detection.SubjectPolicy>(SubjectPolicy, ignoreCase: true),
            IntraOpThreads = ThreadCount,
        };
        if (bound.ContainsKey(nameof(ScoreThreshold)))
            settings = settings with { ScoreThreshold = ScoreThreshold };
        if (bound.ContainsKey(nameof(DetectionInterval)))
            settings = settings with { DetectionInterval = DetectionInterval };

        if (settings.Detector == DetectorKind.Onnx)
        {
            if (ModelPath is null)
            {
                throw Terminate(new ErrorRecord(
                    new ArgumentException("-Detector Onnx needs -ModelPath, the ONNX person detector file."),
                    "DetectorModelRequired", ErrorCategory.InvalidArgument, null));
            }
            // A missing model fails every video the same way, so it stops the command before any video is read.
            string modelPath = ResolveParameterPath(ModelPath);
            if (!File.Exists(modelPath))
            {
                throw Terminate(new ErrorRecord(
                    new FileNotFoundException($"The ONNX person detector '{modelPath}' does not exist.", modelPath),
                    "DetectorModelNotFound", ErrorCategory.ObjectNotFound, modelPath));
            }
            settings = settings with { OnnxModelPath = modelPath };
        }
        return settings;
    }

    private void DetectInVideo(string videoPath)
    {
        SessionCacheKey? cacheKey = StageCache.PersonDetectionKey(videoPath, _settings);
        if (cacheKey is not null && !Force && SessionCache.Shared.TryGet(cacheKey, out PersonDetectionResult? cached))
        {
            WriteVerbose($"Using the cached person detection of '{videoPath}' (Clear-MonoBiomechCache or -Force to redo it).");
            WriteObject(cached);
            return;
        }

        int activityId = ++_videoNumber;
        string activity = $"Person detection: {System.IO.Path.GetFileName(videoPath)}";
        try
        {
            PersonDetectionResult result = RunWithProgress<DetectionProgress, PersonDetectionResult>(
                (progress, token) => PersonDetectionPipeline.Run(videoPath, _settings, progress, token),
                report => DescribeProgress(activityId, activity, report));
            if (cacheKey is not null)
                SessionCache.Shared.StorePersonDetection(cacheKey, result);
            WriteVerbose($"'{videoPath}': {result.DetectorDescription}; frames decoded by {result.VideoDecoderDescription}.");
            WriteObject(result);
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            // Ctrl+C: PowerShell stops the pipeline after StopProcessing; nothing is written for this video.
        }
        catch (VideoReadException e)
        {
            WriteError(VideoReadError(e, videoPath));
        }
        catch (UnknownModelLayoutException e)
        {
            // The same model would fail on every further video.
            throw Terminate(new ErrorRecord(e, "UnknownDetectorLayout", ErrorCategory.InvalidData, e.ModelPath));
        }
        catch (DetectorModelLoadException e)
        {
            throw Terminate(new ErrorRecord(e, "DetectorModelUnreadable", ErrorCategory.InvalidData, e.ModelPath));
        }
        catch (IOException e)
        {
            WriteError(new ErrorRecord(e, "VideoReadFailed", ErrorCategory.ReadError, videoPath));
        }
        finally
        {
            WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    private static ProgressRecord DescribeProgress(int activityId, string activity, DetectionProgress report) =>
        FramesProgress(activityId, activity, null, report.FramesDone, report.FrameCount, report.FramesPerSecond);

    #endregion
}
