using System.Diagnostics;
using System.Globalization;
using MonoBiomech.Detection;
using MonoBiomech.Engine.Detection;
using MonoBiomech.Engine.Pose.Metrabs;
using MonoBiomech.Engine.Video;
using MonoBiomech.Pose;
using MonoBiomech.Video;
using OpenCvSharp;

namespace MonoBiomech.Engine.Pose;

/// <summary>The camera given does not fit the video (another aspect ratio or orientation).</summary>
public sealed class CameraMismatchException(string videoPath, string message) : Exception(message)
{
    public string VideoPath { get; } = videoPath;
}

/// <summary>The pose model a stage runs (Auto resolved) and its files: MeTRAbs' backbone and metadata, or BlazePose's network.</summary>
public sealed record PoseModelFiles(PoseModel Model, IReadOnlyList<string> Paths);

/// <summary>Turns a video and its subject track into a <see cref="PoseSequence"/>: MeTRAbs or BlazePose.</summary>
public static class PoseEstimationPipeline
{
    /// <summary>The keypoint set of BlazePose's output (models/keypointsets/blazepose_33.*.json).</summary>
    public const string BlazePoseKeypointSet = "blazepose_33";

    /// <summary>BlazePose's 33 landmarks in the network's output order (MediaPipe's PoseLandmark enumeration).</summary>
    public static IReadOnlyList<string> BlazePoseLandmarkNames { get; } = new[]
    {
        "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
        "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
        "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb",
        "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel",
        "left_foot_index", "right_foot_index",
    };

    public const string KeypointsPhase = "keypoints";

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The camera of a video: the settings' (a calibration made at another resolution of the same aspect is scaled to
    /// the video's), else the field of view across the video's longer side.
    /// </summary>
    /// <exception cref="CameraMismatchException">The camera's image has another aspect ratio than the video (for example portrait against landscape).</exception>
    public static CameraIntrinsics CameraForVideo(PoseEstimationSettings settings, VideoInfo video)
    {
        CameraIntrinsics camera = settings.CameraFor(video.WidthPixels, video.HeightPixels);
        if (camera.ImageWidthPixels == video.WidthPixels && camera.ImageHeightPixels == video.HeightPixels) return camera;
        double aspect = camera.ImageWidthPixels / (double)camera.ImageHeightPixels, videoAspect = video.WidthPixels / (double)video.HeightPixels;
        if (Math.Abs(aspect / videoAspect - 1) > 0.02)
            throw new CameraMismatchException(video.Path, string.Create(CultureInfo.InvariantCulture,
                $"The camera is for {camera.ImageWidthPixels}x{camera.ImageHeightPixels} images, '{video.Path}' is {video.WidthPixels}x{video.HeightPixels}: not the same camera orientation or aspect."));
        return camera.ScaledTo(video.WidthPixels, video.HeightPixels);
    }

    /// <summary>The subject box of each of the first <paramref name="frameCount"/> frames (null past the detection's end).</summary>
    internal static PersonBox?[] BoxesPerFrame(PersonDetectionResult detection, int frameCount) =>
        Enumerable.Range(0, frameCount).Select(t => t < detection.SubjectBoxes.Count ? detection.SubjectBoxes[t] : null).ToArray();

    /// <summary>Removes the lens distortion from [point, xy] pixels in place (OpenCV's model; NaN points stay NaN).</summary>
    internal static void Undistort(double[] pixels, CameraIntrinsics camera)
    {
        int count = pixels.Length / 2;
        var finite = Enumerable.Range(0, count).Where(i => double.IsFinite(pixels[2 * i]) && double.IsFinite(pixels[2 * i + 1])).ToArray();
        if (finite.Length == 0) return;
        using var points = new Mat(finite.Length, 1, MatType.CV_64FC2);
        for (int j = 0; j < finite.Length; j++) points.Set(j, 0, new Vec2d(pixels[2 * finite[j]], pixels[2 * finite[j] + 1]));
        double[] k = { camera.FocalLengthXPixels, 0, camera.PrincipalPointXPixels, 0, camera.FocalLengthYPixels, camera.PrincipalPointYPixels, 0, 0, 1 };
        using var matrix = Mat.FromPixelData(3, 3, MatType.CV_64FC1, k);
        using var distortion = Mat.FromPixelData(1, camera.DistortionCoefficients!.Count, MatType.CV_64FC1, camera.DistortionCoefficients.ToArray());
        using var undistorted = new Mat();
        Cv2.UndistortPoints(points, undistorted, matrix, distortion, null, matrix);
        for (int j = 0; j < finite.Length; j++)
        {
            Vec2d p = undistorted.At<Vec2d>(j, 0);
            pixels[2 * finite[j]] = p.Item0;
            pixels[2 * finite[j] + 1] = p.Item1;
        }
    }

    /// <summary>
    /// The model the settings select (Auto: MeTRAbs when both its files are found, else BlazePose) and its files, found
    /// (BlazePose's also verified against the published checksums).
    /// </summary>
    /// <exception cref="PoseModelFileException">Missing, or not the published file.</exception>
    public static PoseModelFiles LocateModel(PoseEstimationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        PoseModel model = settings.Model switch
        {
            PoseModel.Auto => MetrabsModelFiles.IsAvailable(settings.ModelDirectory) ? PoseModel.MeTRAbs : PoseModel.BlazePose,
            var chosen => chosen,
        };
        if (model == PoseModel.MeTRAbs)
        {
            (string backbone, string metadata) = MetrabsModelFiles.Locate(settings.ModelDirectory);
            return new PoseModelFiles(model, new[] { backbone, metadata });
        }
        return new PoseModelFiles(model, new[] { BlazePoseModelFiles.Locate(settings.ModelComplexity, settings.ModelDirectory) });
    }

    /// <summary>
    /// <see cref="LocateModel"/>, and for MeTRAbs the model loaded and checked (the backbone fits the metadata, the
    /// metadata has the skeleton asked for), so a batch of videos fails before its first video, not in each.
    /// </summary>
    /// <exception cref="PoseModelFileException">A file is missing, or not the published file.</exception>
    /// <exception cref="PoseModelUnreadableException">MeTRAbs: ONNX Runtime cannot load the backbone.</exception>
    /// <exception cref="PoseModelMismatchException">MeTRAbs: the backbone's inputs or outputs do not fit its metadata.</exception>
    /// <exception cref="MetrabsMetadataException">MeTRAbs: the metadata is unreadable.</exception>
    /// <exception cref="MetrabsSkeletonException">MeTRAbs: the metadata has no usable skeleton of that name.</exception>
    public static PoseModelFiles PrepareModel(PoseEstimationSettings settings)
    {
        PoseModelFiles files = LocateModel(settings);
        if (files.Model == PoseModel.MeTRAbs)
            MetrabsPoseEstimator.Load(files.Paths[0], files.Paths[1], settings.ThreadCount).Metadata.Skeleton(settings.Skeleton);
        return files;
    }

    /// <summary>
    /// A stable string of every setting that changes the keypoints (the model files' identities included, and the person
    /// detection's settings), for result caches; thread counts and batch sizes change only the speed and are left out.
    /// </summary>
    public static string SettingsKey(PoseEstimationSettings settings, PoseModelFiles files)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(files);
        var c = CultureInfo.InvariantCulture;
        string modelFiles = string.Join(",", files.Paths.Select(path =>
        {
            string full = Path.GetFullPath(path);
            return string.Create(c, $"{full}@{(File.Exists(full) ? File.GetLastWriteTimeUtc(full).Ticks : 0)}");
        }));
        string variant = files.Model == PoseModel.MeTRAbs
            ? string.Create(c, $"augmentations={settings.AugmentationCount};skeleton={settings.Skeleton}")
            : $"complexity={settings.ModelComplexity}";
        string camera = settings.Camera is { } k
            ? string.Create(c, $"camera={k.FocalLengthXPixels:R},{k.FocalLengthYPixels:R},{k.PrincipalPointXPixels:R},{k.PrincipalPointYPixels:R},{k.ImageWidthPixels}x{k.ImageHeightPixels}")
              + (k.IsDistorted ? ";distortion=" + string.Join(",", k.DistortionCoefficients!.Select(d => d.ToString("R", c))) : "")
            : string.Create(c, $"fov={settings.FieldOfViewDegrees:R}");
        return $"pose={files.Model};{variant};model={modelFiles};{camera};{PersonDetectionPipeline.SettingsKey(settings.Detection)}";
    }

    /// <summary>
    /// The subject's keypoints in every decoded frame of the video <paramref name="detection"/> was made from: 2D in
    /// frame pixels, 3D hip-centred in millimetres in the camera's axes (no absolute depth), confidences 0 (and NaN
    /// values) where the subject is not found.
    /// </summary>
    /// <exception cref="VideoReadException">The video cannot be read.</exception>
    /// <exception cref="PoseModelFileException">The model file is missing, not the published one, or not loadable.</exception>
    /// <exception cref="PoseModelUnreadableException">MeTRAbs: ONNX Runtime cannot load the backbone.</exception>
    /// <exception cref="PoseModelMismatchException">MeTRAbs: the ONNX backbone's inputs or outputs do not fit.</exception>
    /// <exception cref="MetrabsMetadataException">MeTRAbs: the metadata is unreadable.</exception>
    /// <exception cref="MetrabsSkeletonException">MeTRAbs: the metadata has no usable skeleton of that name.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; checked before every frame.</exception>
    public static PoseSequence Run(PersonDetectionResult detection, PoseEstimationSettings settings, IProgress<PoseProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(detection);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        PoseModelFiles files = LocateModel(settings);
        if (files.Model == PoseModel.MeTRAbs)
        {
            MetrabsModel metrabs = MetrabsPoseEstimator.Load(files.Paths[0], files.Paths[1], settings.ThreadCount);
            return MetrabsPoseEstimator.Run(metrabs, detection, settings, progress, cancellationToken);
        }
        string modelPath = files.Paths[0];
        var stopwatch = Stopwatch.StartNew();
        using var reader = VideoReader.Open(detection.Video.Path);
        VideoInfo info = reader.Info;
        CameraIntrinsics camera = CameraForVideo(settings, info);
        if (settings.ThreadCount > 0) Cv2.SetNumThreads(settings.ThreadCount);
        using var landmarker = new BlazePoseLandmarker(modelPath, settings.ModelComplexity);
        var tracker = new BlazePoseTracker(landmarker, camera);

        const int points = BlazePoseLandmarks.LandmarkCount;
        int capacity = Math.Max(16, info.FrameCount);
        var timestamps = new List<double>(capacity);
        var k3 = new List<double>(capacity * points * 3);
        var k2 = new List<double>(capacity * points * 2);
        var confidences = new List<double>(capacity * points);
        var lastReport = -ProgressInterval;
        using var frame = new Mat();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!reader.TryReadFrame(frame, out VideoFrameStamp stamp)) break;
            int index = stamp.FrameIndex;
            PersonBox? box = index < detection.SubjectBoxes.Count ? detection.SubjectBoxes[index] : null;
            BlazePoseLandmarks? found = tracker.Next(frame, box);
            timestamps.Add(stamp.TimestampSeconds);
            for (int p = 0; p < points; p++)
            {
                if (found is null)
                {
                    k3.AddRange(new[] { double.NaN, double.NaN, double.NaN });
                    k2.AddRange(new[] { double.NaN, double.NaN });
                    confidences.Add(0);
                    continue;
                }
                for (int a = 0; a < 3; a++) k3.Add(1000 * found.WorldMetres[p * 3 + a]);
                k2.Add(found.ImagePixels[p * 2]);
                k2.Add(found.ImagePixels[p * 2 + 1]);
                // Visible (in the frame, not occluded) times present times "this is a person".
                confidences.Add(found.Visibility[p] * found.Presence[p] * found.PoseFlag);
            }
            if (progress is not null && stopwatch.Elapsed - lastReport >= ProgressInterval)
            {
                lastReport = stopwatch.Elapsed;
                progress.Report(new PoseProgress(KeypointsPhase, timestamps.Count, info.FrameCount, timestamps.Count / stopwatch.Elapsed.TotalSeconds));
            }
        }
        stopwatch.Stop();
        double[] keypoints2d = k2.ToArray();
        if (camera.IsDistorted)
        {
            Undistort(keypoints2d, camera);
            camera = camera with { DistortionCoefficients = null }; // what the keypoints now refer to
        }
        progress?.Report(new PoseProgress(KeypointsPhase, timestamps.Count, info.FrameCount, timestamps.Count / Math.Max(1e-9, stopwatch.Elapsed.TotalSeconds)));
        return new PoseSequence(info.Path, BlazePoseLandmarkNames, timestamps.ToArray(), k3.ToArray(), keypoints2d, confidences.ToArray(), camera)
        {
            KeypointSetName = BlazePoseKeypointSet,
            Keypoints3dAreRootRelative = true,
            SubjectBoxes = BoxesPerFrame(detection, timestamps.Count),
            PoseModelDescription = landmarker.Description,
            VideoDecoderDescription = reader.Decoder,
        };
    }
}
