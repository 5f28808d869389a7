using System.Management.Automation;
using MonoBiomech.Engine.Caching;

namespace MonoBiomech.Commands;

/// <summary>Removes cached stage results, all of them or those selected by -Path and -Stage.</summary>
[Cmdlet(VerbsCommon.Clear, "MonoBiomechCache", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
public sealed class ClearMonoBiomechCacheCommand : PSCmdlet
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

    protected override void ProcessRecord()
    {
        foreach (var entry in new SessionCacheFilter(this, Path, Stage).Select(SessionCache.Shared))
        {
            if (ShouldProcess(entry.VideoPath, $"Remove cached {entry.Stage} result ({entry.SettingsKey})"))
            {
                SessionCache.Shared.Remove(entry);
                WriteVerbose($"Removed cached {entry.Stage} result for '{entry.VideoPath}'.");
            }
        }
    }

    #endregion
}
