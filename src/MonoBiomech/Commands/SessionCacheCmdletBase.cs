using System.Management.Automation;
using MonoBiomech.Engine.Caching;

namespace MonoBiomech.Commands;

/// <summary>The -Path / -Stage selection shared by Get-MonoBiomechCache and Clear-MonoBiomechCache.</summary>
public abstract class SessionCacheCmdletBase : PSCmdlet
{
    #region Parameters

    /// <summary>Only entries whose video path matches one of these wildcard patterns.</summary>
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
        var pathPatterns = (Path ?? Array.Empty<string>())
            .Select(p => new WildcardPattern(SessionState.Path.GetUnresolvedProviderPathFromPSPath(p),
                OperatingSystem.IsWindows() ? WildcardOptions.IgnoreCase : WildcardOptions.None))
            .ToArray();
        var stagePatterns = (Stage ?? Array.Empty<string>())
            .Select(s => new WildcardPattern(s, WildcardOptions.IgnoreCase))
            .ToArray();
        return SessionCache.Shared.Entries()
            .Where(e => (pathPatterns.Length == 0 || pathPatterns.Any(p => p.IsMatch(e.VideoPath)))
                        && (stagePatterns.Length == 0 || stagePatterns.Any(p => p.IsMatch(e.Stage))))
            .ToList();
    }

    #endregion
}
