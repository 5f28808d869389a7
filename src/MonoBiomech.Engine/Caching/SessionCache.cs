using System.Collections.Concurrent;
using MonoBiomech.Caching;

namespace MonoBiomech.Engine.Caching;

/// <summary>
/// Process-wide, thread-safe store of stage results (person detections now, poses and fits later) so that
/// re-running a cmdlet on an unchanged video with the same settings returns at once.
/// </summary>
public sealed class SessionCache
{
    private readonly ConcurrentDictionary<SessionCacheKey, SessionCacheEntry> _entries = new();
    private readonly TimeProvider _clock;

    public SessionCache(TimeProvider? clock = null) => _clock = clock ?? TimeProvider.System;

    /// <summary>The cache shared by everything in this process (all runspaces of a PowerShell session).</summary>
    public static SessionCache Shared { get; } = new();

    public int Count => _entries.Count;

    /// <summary>Looks a result up; false when absent or when the stored value is not a <typeparamref name="T"/>.</summary>
    public bool TryGet<T>(SessionCacheKey key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out T? value) where T : class
    {
        if (_entries.TryGetValue(key, out var entry) && entry.Value is T typed)
        {
            value = typed;
            return true;
        }
        value = null;
        return false;
    }

    /// <summary>
    /// Stores (or replaces) a result. Entries for older versions of the same file with the same stage and settings
    /// are dropped, since they can never be hit again.
    /// </summary>
    public SessionCacheEntry Set(SessionCacheKey key, object value, long approximateSizeBytes)
    {
        ArgumentNullException.ThrowIfNull(value);
        var entry = new SessionCacheEntry(key, value, approximateSizeBytes, _clock.GetUtcNow());
        _entries[key] = entry;
        foreach (var stale in _entries.Keys)
        {
            if (stale.Video != key.Video && stale.Stage == key.Stage && stale.SettingsKey == key.SettingsKey
                && string.Equals(stale.Video.FullPath, key.Video.FullPath, StringComparison.Ordinal))
                _entries.TryRemove(stale, out _);
        }
        return entry;
    }

    /// <summary>A snapshot of the entries, oldest first.</summary>
    public IReadOnlyList<SessionCacheEntry> Entries() =>
        _entries.Values.OrderBy(e => e.CreatedUtc).ThenBy(e => e.VideoPath, StringComparer.Ordinal).ToList();

    /// <summary>Removes one entry; true if it was present.</summary>
    public bool Remove(SessionCacheEntry entry) =>
        _entries.TryRemove(new KeyValuePair<SessionCacheKey, SessionCacheEntry>(entry.Key, entry));

    /// <summary>Removes every entry; returns how many there were.</summary>
    public int Clear()
    {
        int removed = 0;
        foreach (var key in _entries.Keys)
            if (_entries.TryRemove(key, out _))
                removed++;
        return removed;
    }
}
