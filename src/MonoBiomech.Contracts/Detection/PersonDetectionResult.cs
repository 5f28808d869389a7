using MonoBiomech.Video;

namespace MonoBiomech.Detection;

/// <summary>The person detection of one video: every frame's person boxes, the tracks built from them and the chosen subject.</summary>
public sealed class PersonDetectionResult
{
    internal PersonDetectionResult(
        VideoInfo video, IReadOnlyList<FramePersons> frames, IReadOnlyList<PersonTrack> tracks, PersonTrack? subjectTrack,
        IReadOnlyList<PersonBox?> subjectBoxes, bool videoEndedEarly, string detectorDescription, TimeSpan elapsed,
        PersonDetectionSettings settings)
    {
        Video = video;
        Frames = frames;
        Tracks = tracks;
        SubjectTrack = subjectTrack;
        SubjectBoxes = subjectBoxes;
        VideoEndedEarly = videoEndedEarly;
        DetectorDescription = detectorDescription;
        Elapsed = elapsed;
        Settings = settings;
        FramesWithSubject = subjectBoxes.Count(b => b is not null);
    }

    public VideoInfo Video { get; }

    /// <summary>Every decoded frame with all person boxes found in it.</summary>
    public IReadOnlyList<FramePersons> Frames { get; }

    /// <summary>All person tracks built from the boxes.</summary>
    public IReadOnlyList<PersonTrack> Tracks { get; }

    /// <summary>The track chosen by <see cref="PersonDetectionSettings.SubjectPolicy"/>; null when no person was found.</summary>
    public PersonTrack? SubjectTrack { get; }

    /// <summary>
    /// One entry per decoded frame: the subject's box, or null where the subject is not seen. Short gaps inside the
    /// subject track are bridged by linear interpolation; such boxes carry Score 0.
    /// </summary>
    public IReadOnlyList<PersonBox?> SubjectBoxes { get; }

    public int FramesWithSubject { get; }

    /// <summary>Frames actually decoded (can be fewer than <see cref="VideoInfo.FrameCount"/> for a damaged file).</summary>
    public int FramesDecoded => Frames.Count;

    /// <summary>True when decoding stopped before the frame count the container announced (a truncated or damaged file).</summary>
    public bool VideoEndedEarly { get; }

    /// <summary>Which detector ran, e.g. "Default (HOG + motion + KCF)" or "YOLOv8 ONNX (path)".</summary>
    public string DetectorDescription { get; }

    /// <summary>
    /// What decoded the video's frames, "ffmpeg (path)" or "OpenCV"; null where not recorded. The two convert colours
    /// about a level of brightness apart, which can move a box slightly.
    /// </summary>
    public string? VideoDecoderDescription { get; init; }

    public TimeSpan Elapsed { get; }

    public PersonDetectionSettings Settings { get; }

    /// <summary>For example "walk.mp4: 300 frames, subject in 290, 3 tracks".</summary>
    public override string ToString() =>
        $"{System.IO.Path.GetFileName(Video.Path)}: {FramesDecoded} frames, subject in {FramesWithSubject}, {Tracks.Count} tracks"
        + (VideoEndedEarly ? ", the video ended early (damaged or truncated)" : "");
}
