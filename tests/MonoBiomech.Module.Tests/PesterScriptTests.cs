using System.Management.Automation;
using System.Management.Automation.Language;
using MonoBiomech.Tests;

namespace MonoBiomech.Module.Tests;

/// <summary>
/// The Pester files run under real pwsh in CI (.ci/run), but not under a plain `dotnet test`; so they are also checked
/// statically here: they parse, every command they call exists (in the module, in pwsh's standard modules or in Pester),
/// and every parameter they pass to a module cmdlet is one that cmdlet has.
/// </summary>
public sealed class PesterScriptTests
{
    /// <summary>pwsh's standard cmdlets the tests and the help use; the hosted engine has only the core ones.</summary>
    internal static readonly HashSet<string> StandardCmdlets = new(StringComparer.OrdinalIgnoreCase)
    {
        "ForEach-Object", "Where-Object", "Sort-Object", "Select-Object", "Measure-Object", "Get-Item", "Get-ChildItem",
        "Test-Path", "Join-Path", "New-Item", "Remove-Item", "Copy-Item", "Set-Content", "Get-Content", "Import-Module", "Remove-Module",
        "Get-Module", "Get-Command", "Write-Host", "Write-Output", "Write-Warning", "Out-Null", "Start-Sleep",
        "Format-Table", "Format-List", "Out-String", "Get-Date", "TabExpansion2",
    };

    /// <summary>Programs the Pester suite runs on purpose: bash runs the SLURM example as a cluster node would.</summary>
    private static readonly HashSet<string> ExternalPrograms = new(StringComparer.Ordinal) { "bash" };

    private static readonly HashSet<string> PesterCommands = new(StringComparer.OrdinalIgnoreCase)
    {
        "Describe", "Context", "It", "Should", "BeforeAll", "AfterAll", "BeforeEach", "AfterEach", "BeforeDiscovery",
        "Mock", "InModuleScope", "Set-ItResult",
    };

    private static readonly HashSet<string> CommonParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
        "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable", "WhatIf", "Confirm",
    };

    public static TheoryData<string> PesterFiles()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(Path.Combine(SharedData.RepositoryRoot, "tests", "Pester"), "*.Tests.ps1"))
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Fact]
    public void ThereArePesterFiles() => Assert.NotEmpty(PesterFiles());

    [Theory]
    [MemberData(nameof(PesterFiles))]
    public void PesterFileParsesAndCallsOnlyKnownCommandsWithRealParameters(string fileName)
    {
        string path = Path.Combine(SharedData.RepositoryRoot, "tests", "Pester", fileName);
        var ast = Parser.ParseFile(path, out _, out ParseError[] parseErrors);
        Assert.Empty(parseErrors.Select(e => $"{e.Extent.StartLineNumber}: {e.Message}"));

        using var host = HostedModule.Import();
        var moduleCommands = host.Run("Get-Command -Module MonoBiomech")
            .Select(o => (CommandInfo)o.BaseObject)
            .ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);

        var problems = new List<string>();
        var calls = ast.FindAll(a => a is CommandAst, searchNestedScriptBlocks: true).Cast<CommandAst>().ToList();
        Assert.Contains(calls, c => c.GetCommandName() == "Invoke-PersonDetection");
        foreach (var call in calls)
        {
            string? name = call.GetCommandName();
            if (name is null)
                continue; // & $scriptBlock
            int line = call.Extent.StartLineNumber;
            if (moduleCommands.TryGetValue(name, out var command))
            {
                foreach (var parameter in call.CommandElements.OfType<CommandParameterAst>())
                {
                    bool known = CommonParameters.Contains(parameter.ParameterName)
                        || command.Parameters.Values.Any(p =>
                            string.Equals(p.Name, parameter.ParameterName, StringComparison.OrdinalIgnoreCase)
                            || p.Aliases.Contains(parameter.ParameterName, StringComparer.OrdinalIgnoreCase));
                    if (!known)
                        problems.Add($"line {line}: {name} has no parameter -{parameter.ParameterName}");
                }
            }
            else if (!StandardCmdlets.Contains(name) && !PesterCommands.Contains(name) && !ExternalPrograms.Contains(name))
            {
                problems.Add($"line {line}: unknown command '{name}'");
            }
        }
        Assert.Empty(problems);
    }
}
