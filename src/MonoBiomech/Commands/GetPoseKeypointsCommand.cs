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
public sealed class GetPoseKeypointsCommand : FileInputCmdletBase
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

    /// <summary>The pose model. BlazePose (MediaPipe BlazePose GHUM 3D, Apache-2.0) is the one this version runs.</summary>
    [Parameter]
    [ValidateSet(nameof(Pose.PoseModel.BlazePose))]
    public string PoseModel { get; set; } = nameof(Pose.PoseModel.BlazePose);

    /// <summary>BlazePose's landmark network: Lite, Full (default) or Heavy.</summary>
    [Parameter]
    [ValidateSet(nameof(BlazePoseComplexity.Lite), nameof(BlazePoseComplexity.Full), nameof(BlazePoseComplexity.Heavy))]
    public string ModelComplexity { get; set; } = nameof(BlazePoseComplexity.Full);

    /// <summary>Folder holding the model files (default: the module's models folder, or the folder MONOBIOMECH_MODELS names).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ModelPath { get; set; }

    /// <summary>
    /// Field of view across the longer image side in degrees, when no -Camera is given. Default 67: a phone's main camera
    /// filming 16:9 video (MeTRAbs' 55° would place a phone's subjects about 30% too far away).
    /// </summary>
    [Parameter]
    [ValidateRange(1.0, 179.0)]
    public double FieldOfView { get; set; } = PoseEstimationSettings.PhoneFieldOfViewDegrees;

    /// <summary>The camera's intrinsics, for example <c>[MonoBiomech.Pose.CameraIntrinsics]::Centred(1500, 1920, 1080)</c>; overrides -FieldOfView.</summary>
    [Parameter]
    [ValidateNotNull]
    public CameraIntrinsics? Camera { get; set; }

    /// <summary>When the command detects persons itself: run the detector on every k-th frame.</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int DetectionInterval { get; set; }

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
        var bound = MyInvocation.BoundParameters;
        var detection = new PersonDetectionSettings { SubjectPolicy = Enum.Parse<Detection.SubjectPolicy>(SubjectPolicy, ignoreCase: true) };
        if (bound.ContainsKey(nameof(DetectionInterval)))
            detection = detection with { DetectionInterval = DetectionInterval };
        _settings = new PoseEstimationSettings
        {
            Model = Enum.Parse<PoseModel>(PoseModel, ignoreCase: true),
            ModelComplexity = Enum.Parse<BlazePoseComplexity>(ModelComplexity, ignoreCase: true),
            ModelDirectory = ModelPath is null ? null : ResolveParameterPath(ModelPath),
            FieldOfViewDegrees = FieldOfView,
            Camera = Camera,
            ThreadCount = ThreadCount,
            Detection = detection,
        };
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
                : $"'{videoPath}': {result.Poses.PoseModelDescription}; subject track {(result.DetectionFromCache ? "given or cached" : "detected now")}.");
            if (outputPath is not null && !TryWriteOutput(outputPath, path => KeypointsNpz.Write(path, result.Poses)))
                return;
            WriteObject(result.Poses);
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            // Ctrl+C: nothing is written for this video.
        }
        catch (VideoReadException e)
        {
            WriteError(VideoReadError(e, videoPath));
        }
        catch (PoseModelFileException e)
        {
            throw Terminate(new ErrorRecord(e, "PoseModelUnreadable", ErrorCategory.InvalidData, ModelPath));
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
