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

    public void Dispose() => Runspace.Dispose();
}
