using System.Management.Automation;
using MonoBiomech.Detection;
using MonoBiomech.Engine.Pose;
using MonoBiomech.Engine.Pose.Metrabs;
using MonoBiomech.Engine.Video;
using MonoBiomech.Pose;

namespace MonoBiomech.Commands;

/// <summary>The pose-stage parameters shared by Get-PoseKeypoints and Invoke-MonoBiomech, and the settings they make.</summary>
public abstract class PoseCmdletBase : FileInputCmdletBase
{
    #region Parameters

    /// <summary>
    /// The pose model: MeTRAbs (its files in the models folder or -ModelPath), BlazePose (MediaPipe BlazePose GHUM 3D), or
    /// Auto (default): MeTRAbs when its files are found, else BlazePose.
    /// </summary>
    [Parameter]
    [ValidateSet(nameof(Pose.PoseModel.Auto), nameof(Pose.PoseModel.MeTRAbs), nameof(Pose.PoseModel.BlazePose))]
    public string PoseModel { get; set; } = nameof(Pose.PoseModel.Auto);

    /// <summary>MeTRAbs: augmented crops per frame (1-20, default 5), averaged; their spread gives the confidences.</summary>
    [Parameter]
    [ValidateRange(1, PoseEstimationSettings.MaxAugmentationCount)]
    public int NumAugmentations { get; set; } = 5;

    /// <summary>MeTRAbs: the skeleton of its metadata to report (default bml_movi_87, which the body models carry).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MetrabsSkeletonCompleter))]
    public string Skeleton { get; set; } = PoseEstimationSettings.DefaultMetrabsSkeleton;

    /// <summary>MeTRAbs: frames whose crops go through the network together (default 1, fastest on a CPU); changes speed and memory, not results.</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int BatchSize { get; set; } = new PoseEstimationSettings().BatchSizeFrames;

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

    /// <summary>
    /// The camera: a <see cref="CameraIntrinsics"/> (for example <c>[MonoBiomech.Pose.CameraIntrinsics]::Centred(1500, 1920, 1080)</c>),
    /// a calibration file (Pose2Sim Calib.toml, OpenCV .yml/.yaml/.xml; its lens distortion is removed from the 2D
    /// keypoints), or a field of view in degrees. Overrides -FieldOfView.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public object? Camera { get; set; }

    /// <summary>Which camera of a calibration file with several (its section or name, for example cam_01).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CameraName { get; set; }

    /// <summary>When the command detects persons itself: run the detector on every k-th frame.</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int DetectionInterval { get; set; }

    #endregion

    #region Methods

    /// <summary>The pose settings the parameters give, with <paramref name="detection"/> (its interval from -DetectionInterval when bound).</summary>
    protected PoseEstimationSettings BuildPoseSettings(PersonDetectionSettings detection, int threadCount)
    {
        if (MyInvocation.BoundParameters.ContainsKey(nameof(DetectionInterval)))
            detection = detection with { DetectionInterval = DetectionInterval };
        (CameraIntrinsics? camera, double fieldOfView) = ResolveCamera();
        return new PoseEstimationSettings
        {
            Model = Enum.Parse<PoseModel>(PoseModel, ignoreCase: true),
            ModelComplexity = Enum.Parse<BlazePoseComplexity>(ModelComplexity, ignoreCase: true),
            AugmentationCount = NumAugmentations,
            Skeleton = Skeleton,
            BatchSizeFrames = BatchSize,
            ModelDirectory = ModelPath is null ? null : ResolveParameterPath(ModelPath),
            FieldOfViewDegrees = fieldOfView,
            Camera = camera,
            ThreadCount = threadCount,
            Detection = detection,
        };
    }

    /// <summary>
    /// The error of the pose stage for one video, and whether it stops the command: a video that cannot be read or a
    /// camera that does not fit it fails that video only; an unusable model file would fail every video. Null for
    /// any other exception.
    /// </summary>
    protected (ErrorRecord Record, bool StopsCommand)? PoseStageError(Exception e, string videoPath) => e switch
    {
        VideoReadException read => (VideoReadError(read, videoPath), false),
        CameraMismatchException camera => (new ErrorRecord(camera, "CameraDoesNotFitVideo", ErrorCategory.InvalidArgument, videoPath), false),
        _ when PoseModelError(e) is { } model => (model, true),
        _ => null,
    };

    /// <summary>
    /// Checks that the pose model the settings select is there, loads and fits (MeTRAbs: backbone, metadata, skeleton),
    /// before any video is read: a bad model fails every video the same way, so it stops the command.
    /// </summary>
    protected void RequirePoseModel(PoseEstimationSettings settings)
    {
        try
        {
            PoseModelFiles files = PoseEstimationPipeline.PrepareModel(settings);
            WriteVerbose(files.Model == Pose.PoseModel.MeTRAbs
                ? $"Pose model: MeTRAbs ('{files.Paths[0]}', '{files.Paths[1]}'), {settings.AugmentationCount} augmentations, skeleton {settings.Skeleton}."
                : $"Pose model: BlazePose GHUM 3D {settings.ModelComplexity} ('{files.Paths[0]}').");
        }
        catch (Exception e) when (PoseModelError(e) is { } error)
        {
            throw Terminate(error);
        }
    }

    /// <summary>The error of an unusable pose model, each kind with its own ErrorId and the file it names; null for other exceptions.</summary>
    private ErrorRecord? PoseModelError(Exception e) => e switch
    {
        PoseModelFileException missing => new ErrorRecord(missing, "PoseModelNotFound", ErrorCategory.ObjectNotFound, ModelPath),
        PoseModelUnreadableException unreadable => new ErrorRecord(unreadable, "PoseModelUnreadable", ErrorCategory.InvalidData, unreadable.ModelPath),
        PoseModelMismatchException mismatch => new ErrorRecord(mismatch, "PoseModelMismatch", ErrorCategory.InvalidData, mismatch.ModelPath),
        MetrabsMetadataException metadata => new ErrorRecord(metadata, "PoseModelMetadataInvalid", ErrorCategory.InvalidData, metadata.MetadataPath),
        MetrabsSkeletonException skeleton => new ErrorRecord(skeleton, "SkeletonNotFound", ErrorCategory.InvalidArgument, Skeleton),
        _ => null,
    };

    /// <summary>Writes <paramref name="error"/>, or stops the command with it.</summary>
    protected void Report((ErrorRecord Record, bool StopsCommand) error)
    {
        if (error.StopsCommand) throw Terminate(error.Record);
        WriteError(error.Record);
    }

    /// <summary>-Camera as intrinsics, a calibration file read now, or a field of view; stops the command when it is none of them.</summary>
    private (CameraIntrinsics? Camera, double FieldOfViewDegrees) ResolveCamera()
    {
        object? value = Camera is PSObject wrapped ? wrapped.BaseObject : Camera;
        if (CameraName is not null && value is not string)
            throw Terminate(new ErrorRecord(new ArgumentException("-CameraName picks a camera of a calibration file: give the file with -Camera."),
                "CameraNameWithoutFile", ErrorCategory.InvalidArgument, CameraName));
        switch (value)
        {
            case null: return (null, FieldOfView);
            case CameraIntrinsics intrinsics: return (intrinsics, FieldOfView);
            case int or long or float or double or decimal:
                double degrees = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
                if (!(degrees > 1 && degrees < 179))
                    throw Terminate(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Camera), degrees, "A field of view must lie between 1 and 179 degrees."),
                        "FieldOfViewOutOfRange", ErrorCategory.InvalidArgument, degrees));
                return (null, degrees);
            case string path:
                string file = ResolveParameterPath(path);
                try
                {
                    CameraIntrinsics read = CameraFiles.Read(file, CameraName);
                    WriteVerbose($"Camera from '{file}': fx = {read.FocalLengthXPixels:G6} px, {read.ImageWidthPixels}x{read.ImageHeightPixels}{(read.IsDistorted ? ", lens distortion removed from the 2D keypoints" : "")}.");
                    return (read, FieldOfView);
                }
                catch (CameraFileException e)
                {
                    bool missing = !File.Exists(file);
                    throw Terminate(new ErrorRecord(e, missing ? "CameraFileNotFound" : "CameraFileInvalid",
                        missing ? ErrorCategory.ObjectNotFound : ErrorCategory.InvalidData, file));
                }
            default:
                throw Terminate(new ErrorRecord(
                    new ArgumentException($"-Camera takes a MonoBiomech.Pose.CameraIntrinsics, a calibration file path or a field of view in degrees, not a {value.GetType().Name}."),
                    "CameraNotRecognized", ErrorCategory.InvalidArgument, value));
        }
    }

    #endregion
}
