namespace MonoBiomech.Caching;

/// <summary>
/// Which version of a video file a cached result belongs to: the full path plus the size and last-write time,
/// so that editing or replacing the file makes old entries miss without any explicit invalidation.
/// </summary>
public sealed record VideoFileIdentity(string FullPath, long LengthBytes, DateTime LastWriteTimeUtc)
{
    /// <summary>Reads the identity of the file as it is now.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static VideoFileIdentity Of(string path)
    {
        var file = new FileInfo(Path.GetFullPath(path));
        if (!file.Exists)
            throw new FileNotFoundException($"Cannot cache results for '{file.FullName}': the file does not exist.", file.FullName);
        return new VideoFileIdentity(file.FullName, file.Length, file.LastWriteTimeUtc);
    }
}

/// <summary>
/// A cache key: the video version, the pipeline stage (for example "PersonDetection") and a settings key string
/// that holds every setting that changes the stage's result.
/// </summary>
public sealed record SessionCacheKey(VideoFileIdentity Video, string Stage, string SettingsKey);
