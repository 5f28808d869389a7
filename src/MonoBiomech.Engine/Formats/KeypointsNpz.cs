using MonoBiomech.Detection;
using MonoBiomech.Pose;

namespace MonoBiomech.Engine.Formats;

/// <summary>
/// Upstream's <c>&lt;video&gt;_keypoints.npz</c>: <c>keypoints3d</c> [T,J,3] mm camera frame, <c>keypoints2d</c> [T,J,2] px,
/// <c>confs</c> [T,J], <c>boxes</c> [T,5] (LTWH + score). Upstream stores no names, times or camera; we add
/// <c>joint_names</c>, <c>timestamps</c> and <c>camera</c> = [fx, fy, cx, cy, width, height] and read them when present.
/// </summary>
public static class KeypointsNpz
{
    /// <summary>What upstream appends to a video's base name: <c>walk.mp4</c> gives <c>walk_keypoints.npz</c>.</summary>
    public const string FileSuffix = "_keypoints.npz";

    /// <summary>The name a video's output files share: "walk" for walk_keypoints.npz, walk.mp4 or walk.npz.</summary>
    public static string BaseName(string path)
    {
        string fileName = Path.GetFileName(path);
        return fileName.EndsWith(FileSuffix, StringComparison.OrdinalIgnoreCase)
            ? fileName[..^FileSuffix.Length]
            : Path.GetFileNameWithoutExtension(fileName);
    }

    /// <summary>The <c>bml_movi_87</c> keypoint order MeTRAbs and upstream use.</summary>
    public static IReadOnlyList<string> BmlMovi87JointNames { get; } = new[]
    {
        "backneck", "upperback", "clavicle", "sternum", "umbilicus", "lfronthead", "lbackhead", "lback", "lshom", "lupperarm",
        "lelbm", "lforearm", "lwrithumbside", "lwripinkieside", "lfin", "lasis", "lpsis", "lfrontthigh", "lthigh", "lknem",
        "lankm", "LHeel", "lfifthmetatarsal", "LBigToe", "lcheek", "lbreast", "lelbinner", "lwaist", "lthumb", "lfrontinnerthigh",
        "linnerknee", "lshin", "lfirstmetatarsal", "lfourthtoe", "lscapula", "lbum", "rfronthead", "rbackhead", "rback", "rshom",
        "rupperarm", "relbm", "rforearm", "rwrithumbside", "rwripinkieside", "rfin", "rasis", "rpsis", "rfrontthigh", "rthigh",
        "rknem", "rankm", "RHeel", "rfifthmetatarsal", "RBigToe", "rcheek", "rbreast", "relbinner", "rwaist", "rthumb",
        "rfrontinnerthigh", "rinnerknee", "rshin", "rfirstmetatarsal", "rfourthtoe", "rscapula", "rbum", "Head", "mhip", "CHip",
        "Neck", "LAnkle", "LElbow", "LHip", "LHand", "LKnee", "LShoulder", "LWrist", "LFoot", "RAnkle",
        "RElbow", "RHip", "RHand", "RKnee", "RShoulder", "RWrist", "RFoot",
    };

    /// <summary>
    /// Reads a keypoint file. Frames whose 3D keypoints are all zero (upstream's "no detection" fill) get confidence 0,
    /// whatever <c>confs</c> says; a file without <c>confs</c> gets 1 elsewhere; other values are returned as stored. The camera and the
    /// timestamps are null where the file stores none (upstream's files never do).
    /// </summary>
    public static KeypointsFile Read(string path)
    {
        IReadOnlyDictionary<string, NpyArray> arrays = NpzArchive.Read(path);
        NpyArray k3 = arrays.Require(path, "keypoints3d"), k2 = arrays.Require(path, "keypoints2d");
        if (k3.Shape.Length != 3 || k3.Shape[2] != 3) throw new NpyFormatException(path, "keypoints3d must have shape (T, J, 3).");
        int frames = k3.Shape[0], joints = k3.Shape[1];
        if (!k2.Shape.SequenceEqual(new[] { frames, joints, 2 })) throw new NpyFormatException(path, $"keypoints2d must have shape ({frames}, {joints}, 2).");
        double[] keypoints3d = (double[])k3.RequireNumbers(path, "keypoints3d").Clone();
        double[] keypoints2d = (double[])k2.RequireNumbers(path, "keypoints2d").Clone();

        double[] confidences;
        if (arrays.TryGetValue("confs", out NpyArray? confs))
        {
            if (confs.ElementCount != (long)frames * joints) throw new NpyFormatException(path, $"confs must have {frames}x{joints} values.");
            confidences = (double[])confs.RequireNumbers(path, "confs").Clone();
        }
        else
        {
            confidences = Enumerable.Repeat(1.0, frames * joints).ToArray();
        }

        // Upstream writes a frame without a detection as zeros with confidence 1: that is the format saying "no data".
        // Everything else is passed on as stored (a NaN 3D point beside a finite 2D one is a 2D-only observation);
        // what the fit cannot use, it ignores itself.
        for (int t = 0; t < frames; t++)
        {
            bool allZero = true;
            for (int i = t * joints * 3; i < (t + 1) * joints * 3; i++) allZero &= keypoints3d[i] == 0;
            if (allZero) Array.Clear(confidences, t * joints, joints);
        }

        IReadOnlyList<string> names;
        if (arrays.TryGetValue("joint_names", out NpyArray? nameArray))
        {
            names = nameArray.Strings ?? throw new NpyFormatException(path, "joint_names must be strings.");
            if (names.Count != joints) throw new NpyFormatException(path, $"joint_names has {names.Count} names for {joints} joints.");
        }
        else if (joints == BmlMovi87JointNames.Count)
        {
            names = BmlMovi87JointNames;
        }
        else
        {
            throw new NpyFormatException(path, $"has {joints} joints but no joint_names (only bml_movi_87 files may omit them).");
        }

        double[]? timestamps = null;
        if (arrays.TryGetValue("timestamps", out NpyArray? times))
        {
            if (times.ElementCount != frames) throw new NpyFormatException(path, $"timestamps must have {frames} values.");
            timestamps = (double[])times.RequireNumbers(path, "timestamps").Clone();
        }

        CameraIntrinsics? camera = null;
        if (arrays.TryGetValue("camera", out NpyArray? cameraArray))
        {
            double[] c = cameraArray.RequireNumbers(path, "camera");
            if (c.Length != 6) throw new NpyFormatException(path, "camera must hold [fx, fy, cx, cy, width, height].");
            camera = new CameraIntrinsics(c[0], c[1], c[2], c[3], (int)c[4], (int)c[5]);
        }

        PersonBox?[]? boxes = null;
        if (arrays.TryGetValue("boxes", out NpyArray? boxArray))
        {
            if (!boxArray.Shape.SequenceEqual(new[] { frames, 5 })) throw new NpyFormatException(path, $"boxes must have shape ({frames}, 5).");
            double[] b = boxArray.RequireNumbers(path, "boxes");
            // upstream's "no detection" row is all zeros
            boxes = Enumerable.Range(0, frames).Select(t => b.AsSpan(5 * t, 5).ContainsAnyExcept(0.0)
                ? new PersonBox((float)b[5 * t], (float)b[5 * t + 1], (float)b[5 * t + 2], (float)b[5 * t + 3], (float)b[5 * t + 4]) : null).ToArray();
        }

        string? setName = OptionalString(arrays, path, KeypointSetKey);
        bool rootRelative = arrays.TryGetValue(RootRelativeKey, out NpyArray? relative) && relative.RequireNumbers(path, RootRelativeKey).FirstOrDefault() != 0;
        return new KeypointsFile(path, names, frames, timestamps, keypoints3d, keypoints2d, confidences, camera)
        {
            KeypointSetName = setName,
            Keypoints3dAreRootRelative = rootRelative,
            PoseModelDescription = OptionalString(arrays, path, PoseModelKey),
            VideoDecoderDescription = OptionalString(arrays, path, VideoDecoderKey),
            SubjectBoxes = boxes,
        };
    }

    // Our additions to upstream's layout (upstream's reader ignores them): the sequence's keypoint set, whether its 3D is
    // relative to the body (BlazePose) rather than absolute (MeTRAbs), and which model made it.
    private const string KeypointSetKey = "keypoint_set", RootRelativeKey = "keypoints3d_root_relative", PoseModelKey = "pose_model", VideoDecoderKey = "video_decoder";

    private static string? OptionalString(IReadOnlyDictionary<string, NpyArray> arrays, string path, string key) =>
        arrays.TryGetValue(key, out NpyArray? array)
            ? (array.Strings ?? throw new NpyFormatException(path, $"{key} must be a string.")).FirstOrDefault()
            : null;

    /// <summary>
    /// Writes a keypoint file upstream can read, plus our joint names, timestamps, camera, keypoint set, 3D kind and pose
    /// model. Frames without the subject keep NaN keypoints and confidence 0 (upstream writes zeros with confidence 1).
    /// </summary>
    /// <remarks><c>boxes</c> [T,5] holds the sequence's subject boxes (LTWH + score), zeros where it has none.</remarks>
    public static void Write(string path, PoseSequence sequence)
    {
        int frames = sequence.FrameCount, joints = sequence.JointCount;
        var boxes = new double[frames * 5];
        for (int t = 0; t < frames; t++)
            if (sequence.SubjectBoxes?[t] is { } b)
                (boxes[5 * t], boxes[5 * t + 1], boxes[5 * t + 2], boxes[5 * t + 3], boxes[5 * t + 4]) = (b.XPixels, b.YPixels, b.WidthPixels, b.HeightPixels, b.Score);
        CameraIntrinsics c = sequence.Camera;
        var arrays = new Dictionary<string, NpyArray>
        {
            ["boxes"] = NpyArray.FromNumbers(boxes, new[] { frames, 5 }),
            ["keypoints2d"] = NpyArray.FromNumbers(sequence.Keypoints2dPixels, new[] { frames, joints, 2 }),
            ["keypoints3d"] = NpyArray.FromNumbers(sequence.Keypoints3dMillimetres, new[] { frames, joints, 3 }),
            ["confs"] = NpyArray.FromNumbers(sequence.Confidences, new[] { frames, joints }),
            ["joint_names"] = NpyArray.FromStrings(sequence.JointNames),
            ["timestamps"] = NpyArray.FromNumbers(sequence.TimestampsSeconds, new[] { frames }),
            ["camera"] = NpyArray.FromNumbers(new[] { c.FocalLengthXPixels, c.FocalLengthYPixels, c.PrincipalPointXPixels, c.PrincipalPointYPixels, c.ImageWidthPixels, (double)c.ImageHeightPixels }, new[] { 6 }),
            [RootRelativeKey] = NpyArray.FromNumbers(new[] { sequence.Keypoints3dAreRootRelative ? 1.0 : 0.0 }, new[] { 1 }),
        };
        if (sequence.KeypointSetName is string set) arrays[KeypointSetKey] = NpyArray.FromStrings(new[] { set });
        if (sequence.PoseModelDescription is string model) arrays[PoseModelKey] = NpyArray.FromStrings(new[] { model });
        if (sequence.VideoDecoderDescription is string decoder) arrays[VideoDecoderKey] = NpyArray.FromStrings(new[] { decoder });
        NpzArchive.Write(path, arrays);
    }
}

/// <summary>What a keypoint file holds, as <see cref="KeypointsNpz.Read"/> found it.</summary>
/// <param name="TimestampsSeconds">Null when the file stores no timestamps (upstream's files).</param>
/// <param name="Camera">Null when the file stores no camera (upstream's files).</param>
public sealed record KeypointsFile(string Path, IReadOnlyList<string> JointNames, int FrameCount, double[]? TimestampsSeconds,
    double[] Keypoints3dMillimetres, double[] Keypoints2dPixels, double[] Confidences, CameraIntrinsics? Camera)
{
    /// <summary>The keypoint set the file names (ours only); null for upstream's files.</summary>
    public string? KeypointSetName { get; init; }

    /// <summary>True when the file says its 3D is body-relative (BlazePose's); upstream's absolute MeTRAbs 3D otherwise.</summary>
    public bool Keypoints3dAreRootRelative { get; init; }

    public string? PoseModelDescription { get; init; }

    public string? VideoDecoderDescription { get; init; }

    /// <summary>Per frame the subject box (null where the row is zeros); null when the file has no <c>boxes</c>.</summary>
    public IReadOnlyList<PersonBox?>? SubjectBoxes { get; init; }

    /// <summary>The keypoints as a sequence, with the given camera and frame rate where the file stores none.</summary>
    public PoseSequence ToPoseSequence(CameraIntrinsics cameraIfNone, double framesPerSecondIfNone)
    {
        ArgumentNullException.ThrowIfNull(cameraIfNone);
        if (TimestampsSeconds is null && !(framesPerSecondIfNone > 0))
            throw new ArgumentOutOfRangeException(nameof(framesPerSecondIfNone), framesPerSecondIfNone, "The frame rate must be positive.");
        double[] timestamps = TimestampsSeconds ?? Enumerable.Range(0, FrameCount).Select(t => t / framesPerSecondIfNone).ToArray();
        return new PoseSequence(Path, JointNames, timestamps, Keypoints3dMillimetres, Keypoints2dPixels, Confidences, Camera ?? cameraIfNone)
        {
            KeypointSetName = KeypointSetName,
            Keypoints3dAreRootRelative = Keypoints3dAreRootRelative,
            PoseModelDescription = PoseModelDescription,
            VideoDecoderDescription = VideoDecoderDescription,
            SubjectBoxes = SubjectBoxes,
        };
    }
}
