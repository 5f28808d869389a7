using System.Management.Automation;
using MonoBiomech.Detection;
using MonoBiomech.Pose;

namespace MonoBiomech.Commands;

/// <summary>The pose-stage parameters shared by Get-PoseKeypoints and Invoke-MonoBiomech, and the settings they make.</summary>
public abstract class PoseCmdletBase : FileInputCmdletBase
{
    #region Parameters

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

    #endregion

    #region Methods

    /// <summary>The pose settings the parameters give, with <paramref name="detection"/> (its interval from -DetectionInterval when bound).</summary>
    protected PoseEstimationSettings BuildPoseSettings(PersonDetectionSettings detection, int threadCount)
    {
        if (MyInvocation.BoundParameters.ContainsKey(nameof(DetectionInterval)))
            detection = detection with { DetectionInterval = DetectionInterval };
        return new PoseEstimationSettings
        {
            Model = Enum.Parse<PoseModel>(PoseModel, ignoreCase: true),
            ModelComplexity = Enum.Parse<BlazePoseComplexity>(ModelComplexity, ignoreCase: true),
            ModelDirectory = ModelPath is null ? null : ResolveParameterPath(ModelPath),
            FieldOfViewDegrees = FieldOfView,
            Camera = Camera,
            ThreadCount = threadCount,
            Detection = detection,
        };
    }

    #endregion
}
