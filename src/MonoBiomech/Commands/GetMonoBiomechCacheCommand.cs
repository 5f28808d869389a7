using System.Management.Automation;
using MonoBiomech.Engine.Caching;

namespace MonoBiomech.Commands;

/// <summary>Lists the stage results this PowerShell process has cached (video, stage, settings, creation time, size).</summary>
[Cmdlet(VerbsCommon.Get, "MonoBiomechCache")]
[OutputType(typeof(SessionCacheEntry))]
public sealed class GetMonoBiomechCacheCommand : PSCmdlet
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
            WriteObject(entry);
    }

    #endregion
}
