namespace MonoBiomech.Engine.Video;

/// <summary>Why a video could not be read.</summary>
public enum VideoReadFailure
{
    /// <summary>No file exists at the path.</summary>
    NotFound,
    /// <summary>The path names a directory.</summary>
    IsDirectory,
    /// <summary>The file has zero bytes.</summary>
    Empty,
    /// <summary>The file is not a video the decoder understands (e.g. a text file named .mp4).</summary>
    NotAVideo,
    /// <summary>The file looks like a video container but is cut short or damaged so that no frame can be decoded.</summary>
    TruncatedOrCorrupt,
    /// <summary>The decoder was stopped from outside (the ffmpeg process got a signal, e.g. Ctrl+C) before the end of the video.</summary>
    DecoderStopped,
}

/// <summary>A video file could not be opened or decoded. <see cref="VideoPath"/> names the file.</summary>
public sealed class VideoReadException : IOException
{
    public VideoReadException(string videoPath, VideoReadFailure reason, string message, Exception? inner = null)
        : base(message, inner)
    {
        VideoPath = videoPath;
        Reason = reason;
    }

    /// <summary>The path as given by the caller.</summary>
    public string VideoPath { get; }

    public VideoReadFailure Reason { get; }
}
