using System.Management.Automation;
using MonoBiomech.Caching;
using MonoBiomech.Engine.Caching;

namespace MonoBiomech.Commands;

/// <summary>Lists the stage results this PowerShell process has cached (video, stage, settings, creation time, size).</summary>
[Cmdlet(VerbsCommon.Get, "MonoBiomechCache")]
[OutputType(typeof(SessionCacheEntry))]
public sealed class GetMonoBiomechCacheCommand : SessionCacheCmdletBase
{
    #region Methods

    protected override void ProcessRecord() => WriteObject(SelectEntries(), enumerateCollection: true);

    #endregion
}
