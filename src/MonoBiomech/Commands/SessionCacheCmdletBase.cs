using System.Management.Automation;
using MonoBiomech.Caching;
using MonoBiomech.Engine.Caching;

namespace MonoBiomech.Commands;

/// <summary>The -Path / -Stage selection shared by Get-MonoBiomechCache and Clear-MonoBiomechCache.</summary>
public abstract class SessionCacheCmdletBase : PSCmdlet
{
    #region Parameters

    /// <summary>Only entries whose video path is one of these paths or matches one of these wildcard patterns.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "VideoPath")]
    [SupportsWildcards]
    public string[]? Path { get; set; }

    /// <summary>Only entries of these stages (wildcards allowed), for example PersonDetection.</summary>
    [Parameter]
    [SupportsWildcards]
    public string[]? Stage { get; set; }

    #endregion

    #region Methods

    /// <summary>The entries of the process-wide cache that match -Path and -Stage (all when neither is given).</summary>
    protected IReadOnlyList<SessionCacheEntry> SelectEntries()
    {
        // Cached videos may since have been deleted, so patterns are made absolute but not resolved against the disk.
        // An exact path also matches, so piped entries and FileInfo objects of videos named with [ ] select themselves.
        var pathComparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var pathPatterns = (Path ?? Array.Empty<string>())
            .Select(p => SessionState.Path.GetUnresolvedProviderPathFromPSPath(p))
            .Select(p => (Exact: p, Pattern: new WildcardPattern(p, OperatingSystem.IsWindows() ? WildcardOptions.IgnoreCase : WildcardOptions.None)))
            .ToArray();
        var stagePatterns = (Stage ?? Array.Empty<string>())
            .Select(s => new WildcardPattern(s, WildcardOptions.IgnoreCase))
            .ToArray();
        return SessionCache.Shared.Entries()
            .Where(e => (pathPatterns.Length == 0 || pathPatterns.Any(p => string.Equals(p.Exact, e.VideoPath, pathComparison) || p.Pattern.IsMatch(e.VideoPath)))
                        && (stagePatterns.Length == 0 || stagePatterns.Any(p => p.IsMatch(e.Stage))))
            .ToList();
    }

    #endregion
}
