using System.Management.Automation;
using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Engine.Caching;
using MonoBiomech.Engine.Fitting;
using MonoBiomech.Engine.Pipeline;
using MonoBiomech.Engine.Pose;
using MonoBiomech.Engine.Video;
using MonoBiomech.Fitting;
using MonoBiomech.Pipeline;
using MonoBiomech.Pose;

namespace MonoBiomech.Commands;

/// <summary>
/// Videos to biomechanics in one command: person detection, keypoints (session cache first), the body-model fit, and the
/// files a lab opens (OpenSim .mot and .trc, a CSV table, upstream's npz files), written beside each video or in
/// -OutputDirectory. One <see cref="MonoBiomechResult"/> per video; the stage order is the engine's <see cref="VideoPipeline"/>.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "MonoBiomech", DefaultParameterSetName = PathParameterSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(MonoBiomechResult))]
public sealed class InvokeMonoBiomechCommand : PoseCmdletBase
{
    #region Members

    private PoseEstimationSettings _poseSettings = new();
    private BiomechFitSettings _fitSettings = new();
    private BodyModel? _bodyModel;
    private string? _outputDirectory;
    private int _activityNumber;

    #endregion

    #region Parameters

    /// <summary>Write the outputs into this folder (created when missing) instead of beside each video.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputDirectory { get; set; }

    /// <summary>Cap on Levenberg-Marquardt iterations of the final fit (default 100).</summary>
    [Parameter]
    [Alias("MaxIterations")]
    [ValidateRange(1, 100_000)]
    public int MaxIters { get; set; }

    /// <summary>The body model (MJCF); default: the module's models/monobiomech_body.xml.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(BodyModelCompleter))]
    [ValidateNotNullOrEmpty]
    public string? BodyModel { get; set; }

    /// <summary>Skip a video whose fitted model (written last) already exists in the output folder.</summary>
    [Parameter]
    public SwitchParameter SkipExisting { get; set; }

    /// <summary>Overwrite existing output files.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    #endregion

    #region Methods

    protected override string NotFoundErrorId => "VideoNotFound";

    protected override void BeginProcessing()
    {
        var bound = MyInvocation.BoundParameters;
        _poseSettings = BuildPoseSettings(new Detection.PersonDetectionSettings(), threadCount: 0);
        if (bound.ContainsKey(nameof(MaxIters)))
            _fitSettings = _fitSettings with { MaxIterations = MaxIters };
        _outputDirectory = ResolveOutputDirectory(OutputDirectory);
        _bodyModel = LoadBodyModel(BodyModel);
        RequirePoseModel(_poseSettings);
    }

    protected override void ProcessRecord()
    {
        foreach (string videoPath in ResolveInputPaths())
        {
            if (StopToken.IsCancellationRequested) return;
            if (ReportIfDirectory(videoPath, "a video")) continue;
            Process(videoPath);
        }
    }

    private void Process(string videoPath)
    {
        PipelineOutputs outputs = PipelineOutputs.For(videoPath, _outputDirectory);
        if (SkipExisting && File.Exists(outputs.FittedModel))
        {
            WriteVerbose($"Skipping '{videoPath}': '{outputs.FittedModel}' exists (-SkipExisting).");
            return;
        }
        // Every output is claimed before any work: a refusal (exists, duplicate, -WhatIf) costs no computation.
        foreach (string output in outputs.All)
            if (!ClaimOutputPath(output, videoPath, Force, $"Compute the biomechanics of '{videoPath}' and write '{System.IO.Path.GetFileName(output)}'"))
                return;

        int activityId = ++_activityNumber;
        string activity = $"MonoBiomech: {System.IO.Path.GetFileName(videoPath)}";
        try
        {
            MonoBiomechResult result = RunWithProgress<PipelineProgress, MonoBiomechResult>(
                (progress, token) => VideoPipeline.Run(videoPath, _poseSettings, _bodyModel!, _fitSettings, outputs, SessionCache.Shared, progress, token),
                report => new ProgressRecord(activityId, activity, $"{report.Stage}: {report.Status}") { PercentComplete = report.PercentComplete });
            WriteVerbose($"'{videoPath}': {result.PoseModelDescription}{(result.KeypointsFromCache ? " (cached keypoints)" : "")}; wrote {string.Join(", ", result.OutputFiles.Select(System.IO.Path.GetFileName))}.");
            WriteObject(result);
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            // Ctrl+C: the pipeline writes nothing once cancelled, and each file is moved into place whole.
        }
        catch (Exception e) when (PoseStageError(e, videoPath) is { } error)
        {
            Report(error);
        }
        catch (FitInputException e)
        {
            WriteError(new ErrorRecord(e, "FitFailed", ErrorCategory.InvalidData, videoPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(e, "FileAccessFailed", ErrorCategory.WriteError, videoPath)); // the message names the file
        }
        finally
        {
            WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    #endregion
}
