using System.Globalization;
using MonoBiomech.Engine.Caching;
using MonoBiomech.Engine.Formats;
using MonoBiomech.Engine.Video;
using MonoBiomech.Pose;
using MonoBiomech.Video;

namespace MonoBiomech.Engine.Fitting;

/// <summary>
/// Camera values a caller gives for keypoints; null where not given. Each given value replaces the keypoints' own; an image
/// size without a focal length implies MeTRAbs' 55° field of view across it; the principal point goes to the image centre.
/// </summary>
public sealed record CameraOverride(double? FocalLengthPixels = null, int? ImageWidthPixels = null, int? ImageHeightPixels = null)
{
    public static CameraOverride None { get; } = new();

    public bool IsEmpty => FocalLengthPixels is null && ImageWidthPixels is null && ImageHeightPixels is null;

    /// <summary>Width and height are both given, so the camera needs no image size from elsewhere.</summary>
    public bool GivesImageSize => ImageWidthPixels is not null && ImageHeightPixels is not null;

    /// <summary><paramref name="camera"/> with the given values put in (unchanged when none is given).</summary>
    public CameraIntrinsics ApplyTo(CameraIntrinsics camera)
    {
        ArgumentNullException.ThrowIfNull(camera);
        if (IsEmpty)
            return camera;
        int width = ImageWidthPixels ?? camera.ImageWidthPixels;
        int height = ImageHeightPixels ?? camera.ImageHeightPixels;
        double focal = FocalLengthPixels
            ?? (ImageWidthPixels is null && ImageHeightPixels is null ? camera.FocalLengthXPixels : CameraIntrinsics.FromFieldOfView(width, height).FocalLengthXPixels);
        return CameraIntrinsics.Centred(focal, width, height);
    }
}

/// <summary>Where one camera or timing value of resolved keypoints came from.</summary>
public enum KeypointValueOrigin
{
    /// <summary>Stored with the keypoints: in the keypoint file, or in the PoseSequence (piped or cached).</summary>
    StoredWithKeypoints,
    /// <summary>Given by the caller (<see cref="CameraOverride"/>, or the frame rate).</summary>
    Caller,
    /// <summary>The video of the same name beside the keypoint file: its image size and frame rate, MeTRAbs' 55° field of view.</summary>
    VideoBeside,
    /// <summary>MeTRAbs' 55° field of view across an image size the caller gave (focal length only).</summary>
    FieldOfView,
    /// <summary>Upstream's fallback: its Samsung Galaxy S20 camera and 30 frames/s.</summary>
    UpstreamDefault,
}

/// <summary>Where the camera and the frame timing of resolved keypoints came from.</summary>
/// <param name="VideoBesidePath">The video beside the keypoint file that gave values; null when none did.</param>
public sealed record KeypointProvenance(KeypointValueOrigin FocalLength, KeypointValueOrigin ImageWidth, KeypointValueOrigin ImageHeight,
    KeypointValueOrigin FrameTiming, string? VideoBesidePath)
{
    internal static KeypointProvenance AllStored { get; } = new(KeypointValueOrigin.StoredWithKeypoints, KeypointValueOrigin.StoredWithKeypoints,
        KeypointValueOrigin.StoredWithKeypoints, KeypointValueOrigin.StoredWithKeypoints, null);

    /// <summary>The camera values after the caller's overrides.</summary>
    internal KeypointProvenance WithOverride(CameraOverride camera) => this with
    {
        FocalLength = camera.FocalLengthPixels is not null ? KeypointValueOrigin.Caller
            : camera.ImageWidthPixels is not null || camera.ImageHeightPixels is not null ? KeypointValueOrigin.FieldOfView
            : FocalLength,
        ImageWidth = camera.ImageWidthPixels is not null ? KeypointValueOrigin.Caller : ImageWidth,
        ImageHeight = camera.ImageHeightPixels is not null ? KeypointValueOrigin.Caller : ImageHeight,
    };
}

public enum KeypointSourceWarningKind
{
    /// <summary>Values came from upstream's defaults (<see cref="KeypointValueOrigin.UpstreamDefault"/>); the caller can give them.</summary>
    UpstreamDefaultsAssumed,
    /// <summary>A video beside the keypoint file exists but cannot be read, so it gave nothing.</summary>
    VideoBesideUnreadable,
}

public sealed record KeypointSourceWarning(KeypointSourceWarningKind Kind, string Message);

/// <summary>Keypoints ready to fit, where their camera and timing came from, and what the caller should be warned about.</summary>
public sealed record ResolvedKeypoints(PoseSequence Sequence, KeypointProvenance Provenance, IReadOnlyList<KeypointSourceWarning> Warnings)
{
    /// <summary>The camera and timing with their origins, for example for a verbose message.</summary>
    public string Describe()
    {
        static string Origin(KeypointValueOrigin origin) => origin switch
        {
            KeypointValueOrigin.StoredWithKeypoints => "stored with the keypoints",
            KeypointValueOrigin.Caller => "given",
            KeypointValueOrigin.VideoBeside => "from the video beside",
            KeypointValueOrigin.FieldOfView => "55° field of view",
            _ => "upstream's default",
        };
        CameraIntrinsics c = Sequence.Camera;
        string sizeOrigin = Provenance.ImageWidth == Provenance.ImageHeight
            ? Origin(Provenance.ImageWidth)
            : $"width {Origin(Provenance.ImageWidth)}, height {Origin(Provenance.ImageHeight)}";
        double span = Sequence.FrameCount > 1 ? Sequence.TimestampsSeconds[^1] - Sequence.TimestampsSeconds[0] : 0;
        string rate = span > 0 ? string.Create(CultureInfo.InvariantCulture, $"{(Sequence.FrameCount - 1) / span:G4} frames/s") : "a single frame";
        string video = Provenance.VideoBesidePath is null ? "" : $"; the video beside is '{Provenance.VideoBesidePath}'";
        return string.Create(CultureInfo.InvariantCulture,
            $"camera fx = {c.FocalLengthXPixels:G6} px ({Origin(Provenance.FocalLength)}), {c.ImageWidthPixels}x{c.ImageHeightPixels} ({sizeOrigin}); {rate} ({Origin(Provenance.FrameTiming)}){video}.");
    }
}

/// <summary>A video's keypoints are not in the session cache (Get-PoseKeypoints computes and caches them).</summary>
public sealed class KeypointsNotCachedException(string videoPath, string message) : Exception(message)
{
    public string VideoPath { get; } = videoPath;
}

/// <summary>
/// Turns what a user points the fit at into keypoints with a known camera and timing: an upstream-style keypoint file
/// (<c>&lt;name&gt;_keypoints.npz</c>), a video whose keypoints are in the session cache, or a PoseSequence. The camera and
/// frame-rate policy lives here: values stored with the keypoints, else the caller's, else the video of the same name beside
/// a keypoint file (how upstream computed its keypoints: the video's size, MeTRAbs' 55° field of view), else upstream's
/// defaults with a warning. The caller's camera values always win.
/// </summary>
public static class KeypointSource
{
    /// <summary>The frame rate upstream assumes for its keypoint files, which store no timestamps.</summary>
    public const double UpstreamFramesPerSecond = 30;

    /// <summary>Videos looked for beside a keypoint file (any letter case), in this order.</summary>
    private static readonly string[] VideoExtensions = { ".mp4", ".mov", ".avi", ".mkv" };

    /// <summary>True for a keypoint file (.npz); anything else is taken for a video whose keypoints are cached.</summary>
    public static bool IsKeypointFile(string path) => path.EndsWith(".npz", StringComparison.OrdinalIgnoreCase);

    /// <summary>The keypoints a path names, with the caller's camera and frame rate applied.</summary>
    /// <param name="framesPerSecond">For keypoint files without timestamps (upstream's); null: the video beside, else 30.</param>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="NpyFormatException">A .npz that is not a keypoint file.</exception>
    /// <exception cref="KeypointsNotCachedException">A video whose keypoints are not cached.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ResolvedKeypoints Resolve(string path, CameraOverride camera, double? framesPerSecond, SessionCache cache)
    {
        ArgumentNullException.ThrowIfNull(camera);
        ArgumentNullException.ThrowIfNull(cache);
        if (framesPerSecond is double given && !(given > 0))
            throw new ArgumentOutOfRangeException(nameof(framesPerSecond), given, "The frame rate must be positive.");
        return IsKeypointFile(path) ? FromKeypointFile(path, camera, framesPerSecond) : FromCache(path, camera, cache);
    }

    /// <summary>A PoseSequence from the pipeline with the caller's camera applied.</summary>
    public static ResolvedKeypoints FromSequence(PoseSequence sequence, CameraOverride camera)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentNullException.ThrowIfNull(camera);
        return new ResolvedKeypoints(WithCamera(sequence, camera), KeypointProvenance.AllStored.WithOverride(camera),
            Array.Empty<KeypointSourceWarning>());
    }

    private static ResolvedKeypoints FromKeypointFile(string path, CameraOverride camera, double? framesPerSecond)
    {
        KeypointsFile file = KeypointsNpz.Read(path);
        var warnings = new List<KeypointSourceWarning>();
        bool needVideo = (file.Camera is null && !camera.GivesImageSize) || (file.TimestampsSeconds is null && framesPerSecond is null);
        VideoInfo? video = needVideo ? ProbeVideoBeside(path, warnings) : null;

        KeypointValueOrigin cameraOrigin = file.Camera is not null ? KeypointValueOrigin.StoredWithKeypoints
            : video is not null ? KeypointValueOrigin.VideoBeside
            : KeypointValueOrigin.UpstreamDefault;
        CameraIntrinsics baseCamera = file.Camera
            ?? (video is not null ? CameraIntrinsics.FromFieldOfView(video.WidthPixels, video.HeightPixels) : CameraIntrinsics.UpstreamSamsungS20);
        KeypointValueOrigin timing = file.TimestampsSeconds is not null ? KeypointValueOrigin.StoredWithKeypoints
            : framesPerSecond is not null ? KeypointValueOrigin.Caller
            : video is not null ? KeypointValueOrigin.VideoBeside
            : KeypointValueOrigin.UpstreamDefault;
        double rate = framesPerSecond ?? video?.FramesPerSecond ?? UpstreamFramesPerSecond;

        var provenance = new KeypointProvenance(cameraOrigin, cameraOrigin, cameraOrigin, timing, null).WithOverride(camera);
        if (video is not null && (cameraOrigin == KeypointValueOrigin.VideoBeside || timing == KeypointValueOrigin.VideoBeside))
            provenance = provenance with { VideoBesidePath = video.Path };
        if (DescribeUpstreamDefaults(file, provenance) is string assumed)
            warnings.Add(new KeypointSourceWarning(KeypointSourceWarningKind.UpstreamDefaultsAssumed, assumed));

        PoseSequence sequence = file.ToPoseSequence(baseCamera, rate);
        return new ResolvedKeypoints(WithCamera(sequence, camera), provenance, warnings);
    }

    private static ResolvedKeypoints FromCache(string videoPath, CameraOverride camera, SessionCache cache)
    {
        var entry = cache.FindPose(videoPath)
            ?? throw new KeypointsNotCachedException(videoPath,
                $"The keypoints of '{videoPath}' are not in the session cache. Run Get-PoseKeypoints on the video first " +
                $"(or pipe its result here), or pass the video's <name>{KeypointsNpz.FileSuffix} file.");
        return FromSequence((PoseSequence)entry.Value, camera);
    }

    /// <summary>"'p' stores no camera and no readable video ...: assuming ..." when values are upstream's defaults; else null.</summary>
    private static string? DescribeUpstreamDefaults(KeypointsFile file, KeypointProvenance provenance)
    {
        const KeypointValueOrigin Default = KeypointValueOrigin.UpstreamDefault;
        CameraIntrinsics s20 = CameraIntrinsics.UpstreamSamsungS20;
        var assumed = new List<string>();
        bool width = provenance.ImageWidth == Default, height = provenance.ImageHeight == Default;
        if (provenance.FocalLength == Default)
            assumed.Add(string.Create(CultureInfo.InvariantCulture,
                $"upstream's Samsung S20 camera (fx = fy = {s20.FocalLengthXPixels} px, {s20.ImageWidthPixels}x{s20.ImageHeightPixels})"));
        else if (width && height)
            assumed.Add($"the image size of upstream's Samsung S20 camera ({s20.ImageWidthPixels}x{s20.ImageHeightPixels})");
        else if (width)
            assumed.Add($"the image width of upstream's Samsung S20 camera ({s20.ImageWidthPixels} px)");
        else if (height)
            assumed.Add($"the image height of upstream's Samsung S20 camera ({s20.ImageHeightPixels} px)");
        if (provenance.FrameTiming == Default)
            assumed.Add(string.Create(CultureInfo.InvariantCulture, $"{UpstreamFramesPerSecond} frames/s"));
        if (assumed.Count == 0)
            return null;
        string missing = (file.Camera, file.TimestampsSeconds) switch
        {
            (null, null) => "no camera and no timestamps",
            (null, _) => "no camera",
            _ => "no timestamps",
        };
        return $"'{file.Path}' stores {missing} and no readable video of the same name is beside it: assuming {string.Join(" and ", assumed)}.";
    }

    /// <summary>The first readable video of the same base name beside a keypoint file, or null; unreadable ones give warnings.</summary>
    private static VideoInfo? ProbeVideoBeside(string keypointsPath, List<KeypointSourceWarning> warnings)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(keypointsPath))!;
        string baseName = KeypointsNpz.BaseName(keypointsPath);
        var candidates = Directory.EnumerateFiles(directory, baseName + ".*")
            .Where(f => string.Equals(Path.GetFileNameWithoutExtension(f), baseName, StringComparison.Ordinal))
            .Select(f => (Path: f, Rank: Array.FindIndex(VideoExtensions, e => string.Equals(e, Path.GetExtension(f), StringComparison.OrdinalIgnoreCase))))
            .Where(c => c.Rank >= 0)
            .OrderBy(c => c.Rank).ThenBy(c => c.Path, StringComparer.Ordinal);
        foreach (var (candidate, _) in candidates)
        {
            try
            {
                using VideoReader reader = VideoReader.Open(candidate);
                return reader.Info;
            }
            catch (VideoReadException e)
            {
                warnings.Add(new KeypointSourceWarning(KeypointSourceWarningKind.VideoBesideUnreadable,
                    $"The video '{candidate}' beside '{keypointsPath}' cannot be read, so its camera is unknown: {e.Message}"));
            }
        }
        return null;
    }

    private static PoseSequence WithCamera(PoseSequence sequence, CameraOverride camera) =>
        camera.IsEmpty ? sequence : sequence.WithCamera(camera.ApplyTo(sequence.Camera));
}
