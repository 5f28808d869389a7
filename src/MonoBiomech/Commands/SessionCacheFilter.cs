using System.Management.Automation;
using MonoBiomech.Engine.Caching;

namespace MonoBiomech.Commands;

/// <summary>The -Path / -Stage selection shared by Get-MonoBiomechCache and Clear-MonoBiomechCache.</summary>
internal sealed class SessionCacheFilter
{
    private readonly WildcardPattern[] _pathPatterns;
    private readonly WildcardPattern[] _stagePatterns;

    /// <param name="cmdlet">Resolves relative video paths against the current PowerShell location.</param>
    /// <param name="paths">Video path patterns; null or empty selects every video.</param>
    /// <param name="stages">Stage name patterns; null or empty selects every stage.</param>
    public SessionCacheFilter(PSCmdlet cmdlet, string[]? paths, string[]? stages)
    {
        // Cached videos may since have been deleted, so the patterns are made absolute but not resolved against the disk.
        _pathPatterns = (paths ?? Array.Empty<string>())
            .Select(p => new WildcardPattern(cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(p),
                OperatingSystem.IsWindows() ? WildcardOptions.IgnoreCase : WildcardOptions.None))
            .ToArray();
        _stagePatterns = (stages ?? Array.Empty<string>())
            .Select(s => new WildcardPattern(s, WildcardOptions.IgnoreCase))
            .ToArray();
    }

    public IEnumerable<SessionCacheEntry> Select(SessionCache cache) =>
        cache.Entries().Where(e =>
            (_pathPatterns.Length == 0 || _pathPatterns.Any(p => p.IsMatch(e.VideoPath)))
            && (_stagePatterns.Length == 0 || _stagePatterns.Any(p => p.IsMatch(e.Stage))));
}
