using System.Management.Automation;
using MonoBiomech.Tests;

namespace MonoBiomech.Module.Tests;

/// <summary>build.ps1 must run in the bare SMA engine (core cmdlets only) and produce the same module folder as the build.</summary>
public sealed class BuildScriptTests
{
    // out/MonoBiomech was laid out by the build of this test project (it builds the module first), in the configuration
    // the tests were built in; build.ps1 is run in the same one, so a plain `dotnet test` (Debug) compares Debug with Debug.
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [Fact]
    public void BuildScriptRunsInTheHostedEngineAndLaysOutTheSameFolder()
    {
        string output = Path.Combine(Directory.CreateTempSubdirectory("mb-build-").FullName, "MonoBiomech");
        try
        {
            using (var runspace = System.Management.Automation.Runspaces.RunspaceFactory.CreateRunspace(
                       System.Management.Automation.Runspaces.InitialSessionState.CreateDefault2()))
            {
                runspace.Open();
                using var ps = PowerShell.Create();
                ps.Runspace = runspace;
                ps.AddCommand(Path.Combine(SharedData.RepositoryRoot, "build.ps1"))
                  .AddParameter("Configuration", Configuration).AddParameter("OutputPath", output);
                ps.Invoke();
                Assert.Empty(ps.Streams.Error.Select(e => e.ToString()));
            }

            static string[] RelativeFiles(string root) => Directory.GetFiles(root, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(RelativeFiles(HostedModule.ModuleDirectory), RelativeFiles(output));

            // build.ps1 ran Test-ModuleManifest on the new folder. Importing it here is not possible: this process already
            // loaded MonoBiomech.dll from out/ and .NET refuses a second assembly of the same name in one context.
            foreach (string file in new[] { "MonoBiomech.dll", "MonoBiomech.Contracts.dll", "MonoBiomech.psd1", "Dependencies/MonoBiomech.Engine.dll" })
                Assert.Equal(File.ReadAllBytes(Path.Combine(HostedModule.ModuleDirectory, file)), File.ReadAllBytes(Path.Combine(output, file)));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(output)!, recursive: true);
        }
    }
}
