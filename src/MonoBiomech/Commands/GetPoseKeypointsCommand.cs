using System.Management.Automation;
using MonoBiomech.Detection;
using MonoBiomech.Engine.Caching;
using MonoBiomech.Engine.Detection;
using MonoBiomech.Engine.Formats;
using MonoBiomech.Engine.Pose;
using MonoBiomech.Engine.Video;
using MonoBiomech.Pose;

namespace MonoBiomech.Commands;

/// <summary>
/// The subject's 2D and 3D keypoints in every frame of each video: videos (paths, FileInfo) or Invoke-PersonDetection
/// results from the pipeline; runs person detection itself when needed. Emits one <see cref="PoseSequence"/> per video and
/// keeps it in the session cache, where Invoke-BiomechFit finds it for the video. The stage's policy is the engine's
/// <see cref="PoseStage"/>; this cmdlet binds parameters and reports progress and errors.
/// </summary>
[Cmdlet(VerbsCommon.Get, "PoseKeypoints", DefaultParameterSetName = PathParameterSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PoseSequence))]
public sealed class GetPoseKeypointsCommand : PoseCmdletBase
{
    #region Members

    private const string DetectionParameterSet = "Detection";

    private PoseEstimationSettings _settings = new();
    private string? _outputDirectory;
    private int _activityNumber;

    #endregion

    #region Parameters

    /// <summary>Person detection results (Invoke-PersonDetection): their subject track is followed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = DetectionParameterSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public PersonDetectionResult[] InputObject { get; set; } = Array.Empty<PersonDetectionResult>();

    /// <summary>When the command detects persons itself: how the subject is chosen (LongestTracked, Largest, MostMoving).</summary>
    [Parameter]
    [ValidateSet(nameof(Detection.SubjectPolicy.LongestTracked), nameof(Detection.SubjectPolicy.Largest), nameof(Detection.SubjectPolicy.MostMoving))]
    public string SubjectPolicy { get; set; } = nameof(Detection.SubjectPolicy.LongestTracked);

    /// <summary>Inference threads; 0 (default) uses one per logical processor.</summary>
    [Parameter]
    [ValidateRange(0, 1024)]
    public int ThreadCount { get; set; }

    /// <summary>Also write each video's keypoints to &lt;name&gt;_keypoints.npz (upstream's layout) in this folder.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputDirectory { get; set; }

    /// <summary>Compute the keypoints again instead of taking them from the session cache, and overwrite keypoint files.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    #endregion

    #region Methods

    protected override string NotFoundErrorId => "VideoNotFound";

    protected override void BeginProcessing()
    {
        _settings = BuildPoseSettings(new PersonDetectionSettings { SubjectPolicy = Enum.Parse<Detection.SubjectPolicy>(SubjectPolicy, ignoreCase: true) }, ThreadCount);
        _outputDirectory = ResolveOutputDirectory(OutputDirectory);
        RequirePoseModel(_settings);
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == DetectionParameterSet)
        {
            foreach (PersonDetectionResult detection in InputObject)
            {
                if (StopToken.IsCancellationRequested) return;
                Estimate(detection.Video.Path, detection);
            }
            return;
        }
        foreach (string videoPath in ResolveInputPaths())
        {
            if (StopToken.IsCancellationRequested) return;
            Estimate(videoPath, null);
        }
    }

    private void Estimate(string videoPath, PersonDetectionResult? detection)
    {
        string? outputPath = null;
        if (_outputDirectory is not null)
        {
            outputPath = System.IO.Path.Combine(_outputDirectory, KeypointsNpz.BaseName(videoPath) + KeypointsNpz.FileSuffix);
            if (!ClaimOutputPath(outputPath, videoPath, Force, $"Find the keypoints of '{videoPath}' and write them"))
                return;
        }
        int activityId = ++_activityNumber;
        string activity = $"Pose keypoints: {System.IO.Path.GetFileName(videoPath)}";
        try
        {
            PoseStageResult result = RunWithProgress<PoseProgress, PoseStageResult>(
                (progress, token) => PoseStage.Run(videoPath, detection, _settings, SessionCache.Shared, Force, progress, token),
                report => DescribeProgress(activityId, activity, report));
            WriteVerbose(result.FromCache
                ? $"Using the cached keypoints of '{videoPath}' (Clear-MonoBiomechCache or -Force to compute them again)."
                : $"'{videoPath}': {result.Poses.PoseModelDescription}; frames decoded by {result.Poses.VideoDecoderDescription}; subject track {(result.DetectionFromCache ? "given or cached" : "detected now")}.");
            if (result.Poses.FramesWithKeypoints == 0)
            {
                WriteError(new ErrorRecord(new InvalidOperationException(
                        $"No person was found in '{videoPath}' ({result.Poses.FrameCount} frames): no keypoints to write. Invoke-PersonDetection shows what the detector saw."),
                    "NoPersonFound", ErrorCategory.ObjectNotFound, videoPath));
                return;
            }
            if (outputPath is not null && !TryWriteOutput(outputPath, path => KeypointsNpz.Write(path, result.Poses)))
                return;
            WriteObject(result.Poses);
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            // Ctrl+C: nothing is written for this video.
        }
        catch (Exception e) when (PoseStageError(e, videoPath) is { } error)
        {
            Report(error);
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

    private static ProgressRecord DescribeProgress(int activityId, string activity, PoseProgress report) =>
        FramesProgress(activityId, activity, report.Phase, report.FramesDone, report.FrameCount, report.FramesPerSecond);

    #endregion
}
