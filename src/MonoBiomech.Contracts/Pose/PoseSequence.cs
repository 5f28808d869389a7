namespace MonoBiomech.Pose;

/// <summary>
/// The 3D keypoints of one subject over one video: what pose estimation produces and the biomechanical fit consumes.
/// Arrays are frame-major: index [frame * JointCount + joint] (times 3 or 2 for the coordinates).
/// </summary>
public sealed class PoseSequence
{
    public PoseSequence(string source, IReadOnlyList<string> jointNames, double[] timestampsSeconds,
        double[] keypoints3dMillimetres, double[] keypoints2dPixels, double[] confidences, CameraIntrinsics camera)
    {
        int frames = timestampsSeconds.Length, joints = jointNames.Count;
        if (keypoints3dMillimetres.Length != frames * joints * 3)
            throw new ArgumentException($"Expected {frames}x{joints}x3 3D keypoints, got {keypoints3dMillimetres.Length} values.", nameof(keypoints3dMillimetres));
        if (keypoints2dPixels.Length != frames * joints * 2)
            throw new ArgumentException($"Expected {frames}x{joints}x2 2D keypoints, got {keypoints2dPixels.Length} values.", nameof(keypoints2dPixels));
        if (confidences.Length != frames * joints)
            throw new ArgumentException($"Expected {frames}x{joints} confidences, got {confidences.Length} values.", nameof(confidences));
        Source = source;
        JointNames = jointNames;
        TimestampsSeconds = timestampsSeconds;
        Keypoints3dMillimetres = keypoints3dMillimetres;
        Keypoints2dPixels = keypoints2dPixels;
        Confidences = confidences;
        Camera = camera;
    }

    /// <summary>The video (or keypoint file) the sequence came from; names the outputs.</summary>
    public string Source { get; }

    /// <summary>Keypoint names, e.g. the 87 names of the <c>bml_movi_87</c> skeleton.</summary>
    public IReadOnlyList<string> JointNames { get; }

    public int FrameCount => TimestampsSeconds.Length;

    /// <summary>Frames in which at least one keypoint has a confidence above 0 (the subject was found).</summary>
    public int FramesWithKeypoints
    {
        get
        {
            int joints = JointCount, count = 0;
            for (int t = 0; t < FrameCount; t++)
                for (int k = 0; k < joints; k++)
                    if (Confidences[t * joints + k] > 0) { count++; break; }
            return count;
        }
    }
    public int JointCount => JointNames.Count;

    /// <summary>Time of each frame in seconds from the start of the video.</summary>
    public double[] TimestampsSeconds { get; }

    /// <summary>[frame, joint, xyz] in millimetres, camera frame (x right, y down, z forward).</summary>
    public double[] Keypoints3dMillimetres { get; }

    /// <summary>[frame, joint, xy] in pixels of the original video frame.</summary>
    public double[] Keypoints2dPixels { get; }

    /// <summary>[frame, joint] in 0..1; 0 means no information (no person found, keypoint not seen).</summary>
    public double[] Confidences { get; }

    /// <summary>
    /// The keypoint set the names belong to (e.g. <c>bml_movi_87</c>, <c>blazepose_33</c>): where the points sit on a
    /// body model, their mirror pairs and weights. Null: found by the names where a known set has exactly these.
    /// </summary>
    public string? KeypointSetName { get; init; }

    /// <summary>
    /// True when the 3D keypoints are relative to the body (e.g. hip-centred, as BlazePose's world landmarks) in the
    /// camera's axes, with no absolute depth; false when they are absolute camera-frame positions (MeTRAbs).
    /// </summary>
    public bool Keypoints3dAreRootRelative { get; init; }

    /// <summary>The camera both the 3D and 2D keypoints refer to.</summary>
    public CameraIntrinsics Camera { get; }

    /// <summary>
    /// Which pose model made the keypoints, for example "BlazePose GHUM 3D Full (pose_landmark_full.tflite)"; null for
    /// keypoints from elsewhere (a keypoint file, a script).
    /// </summary>
    public string? PoseModelDescription { get; init; }

    /// <summary>
    /// What decoded the video's frames, "ffmpeg (path)" or "OpenCV"; null for keypoints from elsewhere. The two convert
    /// colours about a level of brightness apart, which can move a detection or a keypoint slightly.
    /// </summary>
    public string? VideoDecoderDescription { get; init; }

    /// <summary>
    /// Per frame, the subject box the keypoints were found in (pixels, with the detector's score), null where there was
    /// none; null altogether for keypoints from elsewhere. Written to the <c>boxes</c> of upstream's keypoint files.
    /// </summary>
    public IReadOnlyList<MonoBiomech.Detection.PersonBox?>? SubjectBoxes
    {
        get => _subjectBoxes;
        init
        {
            if (value is not null && value.Count != FrameCount)
                throw new ArgumentException($"Expected {FrameCount} subject boxes (one per frame), got {value.Count}.", nameof(SubjectBoxes));
            _subjectBoxes = value;
        }
    }

    private readonly IReadOnlyList<MonoBiomech.Detection.PersonBox?>? _subjectBoxes;

    /// <summary>Frames <paramref name="firstFrame"/> .. <paramref name="firstFrame"/> + <paramref name="frameCount"/> − 1, with their timestamps.</summary>
    public PoseSequence Slice(int firstFrame, int frameCount)
    {
        if (firstFrame < 0 || frameCount < 0 || firstFrame + frameCount > FrameCount)
            throw new ArgumentOutOfRangeException(nameof(firstFrame), $"Frames {firstFrame}..{firstFrame + frameCount - 1} are not all in a sequence of {FrameCount} frames.");
        int joints = JointCount;
        return new PoseSequence(Source, JointNames, TimestampsSeconds.AsSpan(firstFrame, frameCount).ToArray(),
            Keypoints3dMillimetres.AsSpan(firstFrame * joints * 3, frameCount * joints * 3).ToArray(),
            Keypoints2dPixels.AsSpan(firstFrame * joints * 2, frameCount * joints * 2).ToArray(),
            Confidences.AsSpan(firstFrame * joints, frameCount * joints).ToArray(), Camera)
        {
            KeypointSetName = KeypointSetName,
            Keypoints3dAreRootRelative = Keypoints3dAreRootRelative,
            PoseModelDescription = PoseModelDescription,
            VideoDecoderDescription = VideoDecoderDescription,
            SubjectBoxes = SubjectBoxes?.Skip(firstFrame).Take(frameCount).ToArray(),
        };
    }

    /// <summary>The same keypoints seen through another camera's intrinsics (everything else kept).</summary>
    public PoseSequence WithCamera(CameraIntrinsics camera)
    {
        ArgumentNullException.ThrowIfNull(camera);
        return new PoseSequence(Source, JointNames, TimestampsSeconds, Keypoints3dMillimetres, Keypoints2dPixels, Confidences, camera)
        {
            KeypointSetName = KeypointSetName,
            Keypoints3dAreRootRelative = Keypoints3dAreRootRelative,
            PoseModelDescription = PoseModelDescription,
            VideoDecoderDescription = VideoDecoderDescription,
            SubjectBoxes = SubjectBoxes,
        };
    }

    /// <summary>For example "walk.mp4: 300 frames x 87 keypoints".</summary>
    public override string ToString() => $"{Path.GetFileName(Source)}: {FrameCount} frames x {JointCount} keypoints";
}
