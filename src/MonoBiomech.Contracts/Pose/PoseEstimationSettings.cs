using MonoBiomech.Detection;

namespace MonoBiomech.Pose;

/// <summary>The 3D pose model that turns a video's frames into keypoints.</summary>
public enum PoseModel
{
    /// <summary>MeTRAbs when its files are in the models folder, else BlazePose.</summary>
    Auto,
    /// <summary>
    /// MeTRAbs (EfficientNetV2-S, 256 px, 555 joints of 28 data sets) through ONNX Runtime: absolute 3D in the camera
    /// frame and 2D, any skeleton of its metadata (default bml_movi_87). Weights for non-commercial use; users supply them.
    /// </summary>
    MeTRAbs,
    /// <summary>MediaPipe BlazePose GHUM 3D (Apache-2.0): 33 landmarks, 2D in pixels and hip-centred 3D without absolute depth.</summary>
    BlazePose,
}

/// <summary>BlazePose's three landmark networks: faster or more accurate.</summary>
public enum BlazePoseComplexity
{
    /// <summary>pose_landmark_lite.tflite: about 15 ms a frame on 2 cores.</summary>
    Lite,
    /// <summary>pose_landmark_full.tflite: about 21 ms a frame on 2 cores.</summary>
    Full,
    /// <summary>pose_landmark_heavy.tflite: about 66 ms a frame on 2 cores.</summary>
    Heavy,
}

/// <summary>Settings of the pose stage (Get-PoseKeypoints). Every property has a usable default.</summary>
public sealed record PoseEstimationSettings
{
    /// <summary>
    /// The field of view assumed across the longer image side when no camera is given, in degrees. Phones film with their
    /// main (about 26 mm full-frame-equivalent) lens; a 16:9 video uses the full width of its 4:3 sensor, 34.6 mm
    /// equivalent, so 2·atan(17.3 / 26) = 67°. MeTRAbs' 55° would put a phone's subjects about 30% too far away.
    /// </summary>
    public const double PhoneFieldOfViewDegrees = 67;

    /// <summary>MeTRAbs' default skeleton: the BML-MoVi markers and joint centres our body models carry as sites.</summary>
    public const string DefaultMetrabsSkeleton = "bml_movi_87";

    /// <summary>The most test-time augmentations a MeTRAbs crop takes.</summary>
    public const int MaxAugmentationCount = 20;

    public PoseModel Model { get; init; } = PoseModel.Auto;

    public BlazePoseComplexity ModelComplexity { get; init; } = BlazePoseComplexity.Full;

    /// <summary>
    /// MeTRAbs: augmented crops per frame (zooms 0.8-1.1, two of five mirrored, brightness), averaged. Their spread gives
    /// the confidences, so one augmentation gives confidence 1 everywhere. Inference time grows with the count.
    /// </summary>
    public int AugmentationCount { get; init; } = 5;

    /// <summary>MeTRAbs: the skeleton of its metadata to report (bml_movi_87, smpl_24, coco_19, h36m_17, ...).</summary>
    public string Skeleton { get; init; } = DefaultMetrabsSkeleton;

    /// <summary>
    /// MeTRAbs: frames whose crops go through the network together. Changes speed and memory, not results. On a CPU
    /// small batches are fastest (an EfficientNetV2-S of the published size on 2 cores: 42 crops/s at 1 frame of 5 crops,
    /// 33 at 8 frames; bench `metrabs`): the activations of a small batch stay in the caches.
    /// </summary>
    public int BatchSizeFrames { get; init; } = 1;

    /// <summary>Folder of the model files; null: the module's models folder (or MONOBIOMECH_MODELS when set).</summary>
    public string? ModelDirectory { get; init; }

    /// <summary>The camera of the videos; null: <see cref="FieldOfViewDegrees"/> across the longer side of each video.</summary>
    public CameraIntrinsics? Camera { get; init; }

    /// <summary>Field of view across the longer image side, degrees, when <see cref="Camera"/> is not given.</summary>
    public double FieldOfViewDegrees { get; init; } = PhoneFieldOfViewDegrees;

    /// <summary>Inference threads; 0 means one per logical processor.</summary>
    public int ThreadCount { get; init; }

    /// <summary>How the subject is found when the pose stage runs person detection itself.</summary>
    public PersonDetectionSettings Detection { get; init; } = new();

    /// <summary>Checks the values; throws <see cref="ArgumentException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Model))
            throw new ArgumentOutOfRangeException(nameof(Model), Model, "Model is not a known pose model.");
        if (AugmentationCount < 1 || AugmentationCount > MaxAugmentationCount)
            throw new ArgumentOutOfRangeException(nameof(AugmentationCount), AugmentationCount, $"AugmentationCount must lie between 1 and {MaxAugmentationCount}.");
        if (string.IsNullOrWhiteSpace(Skeleton))
            throw new ArgumentException("Skeleton must name a skeleton of the MeTRAbs metadata.", nameof(Skeleton));
        if (BatchSizeFrames < 1 || BatchSizeFrames > 1024)
            throw new ArgumentOutOfRangeException(nameof(BatchSizeFrames), BatchSizeFrames, "BatchSizeFrames must lie between 1 and 1024.");
        if (!Enum.IsDefined(ModelComplexity))
            throw new ArgumentOutOfRangeException(nameof(ModelComplexity), ModelComplexity, "ModelComplexity is not a known BlazePose model.");
        if (!(FieldOfViewDegrees > 1 && FieldOfViewDegrees < 179))
            throw new ArgumentOutOfRangeException(nameof(FieldOfViewDegrees), FieldOfViewDegrees, "FieldOfViewDegrees must lie between 1 and 179.");
        if (ThreadCount < 0)
            throw new ArgumentOutOfRangeException(nameof(ThreadCount), ThreadCount, "ThreadCount must be 0 (all cores) or more.");
        ArgumentNullException.ThrowIfNull(Detection, nameof(Detection));
        Detection.Validate();
    }

    /// <summary>The camera of a video of this size: <see cref="Camera"/>, or the field of view across its longer side.</summary>
    public CameraIntrinsics CameraFor(int widthPixels, int heightPixels) =>
        Camera ?? CameraIntrinsics.FromFieldOfView(widthPixels, heightPixels, FieldOfViewDegrees);
}

/// <summary>Progress of the pose stage of one video.</summary>
/// <param name="Phase">What runs: "person detection" (when the stage finds the subject itself), then "keypoints".</param>
/// <param name="FrameCount">Frames the container announces (0 when unknown).</param>
/// <param name="FramesPerSecond">Processing speed so far, in frames per wall-clock second.</param>
public sealed record PoseProgress(string Phase, int FramesDone, int FrameCount, double FramesPerSecond);
