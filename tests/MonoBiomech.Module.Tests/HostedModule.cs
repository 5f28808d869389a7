using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using MonoBiomech.Tests;

namespace MonoBiomech.Module.Tests;

/// <summary>
/// A fresh PowerShell 7.6.9 runspace, hosted in the test process, that has imported the built module folder
/// (out/MonoBiomech) by full path, as a user's pwsh would.
/// </summary>
public sealed class HostedModule : IDisposable
{
    public static string ModuleDirectory { get; } = Path.Combine(SharedData.RepositoryRoot, "out", "MonoBiomech");

    public static string ManifestPath { get; } = Path.Combine(ModuleDirectory, "MonoBiomech.psd1");

    private HostedModule(Runspace runspace) => Runspace = runspace;

    public Runspace Runspace { get; }

    /// <summary>Opens a runspace and imports the module from <paramref name="manifestPath"/> (default: the built folder).</summary>
    public static HostedModule Import(string? manifestPath = null)
    {
        manifestPath ??= ManifestPath;
        if (!File.Exists(manifestPath))
            throw new InvalidOperationException($"The module is not built: '{manifestPath}' is missing. Run 'dotnet build' on the solution first.");
        var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        var host = new HostedModule(runspace);
        using var ps = host.Create();
        ps.AddCommand("Import-Module").AddParameter("Name", manifestPath).AddParameter("ErrorAction", "Stop");
        ps.Invoke();
        return host;
    }

    /// <summary>A pipeline bound to this runspace; the caller disposes it.</summary>
    public PowerShell Create()
    {
        var ps = PowerShell.Create();
        ps.Runspace = Runspace;
        return ps;
    }

    /// <summary>Runs a script with named parameters and fails the test on any error record.</summary>
    public Collection<PSObject> Run(string script, IDictionary<string, object?>? parameters = null)
    {
        using var ps = Create();
        ps.AddScript(script);
        if (parameters is not null)
            ps.AddParameters(parameters.ToDictionary(p => p.Key, p => p.Value));
        var output = ps.Invoke();
        Assert.True(ps.Streams.Error.Count == 0,
            "Script wrote errors: " + string.Join(" | ", ps.Streams.Error.Select(e => e.FullyQualifiedErrorId + ": " + e)));
        return output;
    }

    /// <summary>
    /// Checks the progress a finished pipeline wrote: Processing records whose status matches <paramref name="statusPattern"/>,
    /// with a percentage and an activity naming <paramref name="activityNames"/>, then one Completed record for the same
    /// activity, last. Returns the Processing records.
    /// </summary>
    public static List<ProgressRecord> AssertProgressThenCompleted(PowerShell ps, string statusPattern, string activityNames)
    {
        var records = ps.Streams.Progress.ToList();
        var processing = records.Where(r => r.RecordType == ProgressRecordType.Processing).ToList();
        Assert.NotEmpty(processing);
        Assert.All(processing, r => Assert.Matches(statusPattern, r.StatusDescription));
        Assert.All(processing, r => Assert.InRange(r.PercentComplete, 0, 100));
        Assert.Contains(activityNames, processing[0].Activity);
        var completed = Assert.Single(records, r => r.RecordType == ProgressRecordType.Completed);
        Assert.Equal(processing[0].ActivityId, completed.ActivityId);
        Assert.Same(completed, records[^1]);
        return processing;
    }

    /// <summary>
    /// Starts the pipeline, waits (up to 60 s) for its first progress record, calls Stop() and checks that the pipeline ended
    /// as stopped. Returns how long Stop() took.
    /// </summary>
    public static TimeSpan StopAfterFirstProgress(PowerShell ps)
    {
        using var started = new ManualResetEventSlim();
        ps.Streams.Progress.DataAdded += (_, _) => started.Set();
        var invocation = ps.BeginInvoke();
        Assert.True(started.Wait(TimeSpan.FromSeconds(60)), "no progress within 60 s");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ps.Stop();
        clock.Stop();

        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.True(invocation.IsCompleted);
        Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(invocation));
        return clock.Elapsed;
    }

    public void Dispose() => Runspace.Dispose();
}
