using System.Globalization;

namespace MonoBiomech.Caching;

/// <summary>One cached result with its key parts and when it was stored.</summary>
public sealed class SessionCacheEntry
{
    internal SessionCacheEntry(SessionCacheKey key, object value, long approximateSizeBytes, DateTimeOffset createdUtc)
    {
        Key = key;
        Value = value;
        ApproximateSizeBytes = approximateSizeBytes;
        CreatedUtc = createdUtc;
    }

    public SessionCacheKey Key { get; }
    public string VideoPath => Key.Video.FullPath;
    public string Stage => Key.Stage;
    public string SettingsKey => Key.SettingsKey;
    public object Value { get; }
    /// <summary>The storing caller's estimate of the value's managed size, in bytes.</summary>
    public long ApproximateSizeBytes { get; }
    public DateTimeOffset CreatedUtc { get; }

    /// <summary>For example "PersonDetection of walk.mp4, 12.3 KB".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Stage} of {Path.GetFileName(VideoPath)}, {ApproximateSizeBytes / 1024.0:0.#} KB");
}
