using System.Management.Automation;
using MonoBiomech.Engine.Caching;

namespace MonoBiomech.Commands;

/// <summary>Removes cached stage results, all of them or those selected by -Path and -Stage.</summary>
[Cmdlet(VerbsCommon.Clear, "MonoBiomechCache", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
public sealed class ClearMonoBiomechCacheCommand : SessionCacheCmdletBase
{
    #region Methods

    protected override void ProcessRecord()
    {
        foreach (var entry in SelectEntries())
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
