using System.Management.Automation;

namespace MonoBiomech.Module.Tests;

public sealed class ManifestTests
{
    private static readonly string[] ExpectedCmdlets =
        { "Clear-MonoBiomechCache", "Get-MonoBiomechCache", "Import-BiomechFit", "Invoke-BiomechFit", "Invoke-PersonDetection" };

    [Fact]
    public void ManifestPassesTestModuleManifest()
    {
        using var host = HostedModule.Import();
        var info = (PSModuleInfo)host.Run("param($p) Test-ModuleManifest -Path $p", new Dictionary<string, object?> { ["p"] = HostedModule.ManifestPath })[0].BaseObject;

        Assert.Equal("MonoBiomech", info.Name);
        Assert.Equal(new Version(7, 4), info.PowerShellVersion);
        Assert.Equal(new[] { "Core" }, info.CompatiblePSEditions);
        Assert.Equal(ExpectedCmdlets, info.ExportedCmdlets.Keys.Order());
        Assert.Empty(info.ExportedFunctions);
        Assert.Empty(info.ExportedAliases);
        Assert.Empty(info.ExportedVariables);
        Assert.Equal("MonoBiomech.dll", Path.GetFileName(info.RootModule));
        var psData = (System.Collections.Hashtable)((System.Collections.Hashtable)info.PrivateData)["PSData"]!;
        Assert.NotNull(psData["LicenseUri"]);
        Assert.NotNull(psData["ProjectUri"]);
        Assert.NotNull(psData["ReleaseNotes"]);
        Assert.Contains("Biomechanics", (object[])psData["Tags"]!);
    }

    [Fact]
    public void GetCommandListsExactlyTheExportedCmdletsAsCmdlets()
    {
        using var host = HostedModule.Import();
        var commands = host.Run("Get-Command -Module MonoBiomech").Select(o => (CommandInfo)o.BaseObject).ToList();

        Assert.Equal(ExpectedCmdlets, commands.Select(c => c.Name).Order());
        Assert.All(commands, c => Assert.Equal(CommandTypes.Cmdlet, c.CommandType));
        Assert.All(commands.Where(c => !c.Name.StartsWith("Clear-", StringComparison.Ordinal)), c => Assert.NotEmpty(c.OutputType));
    }

    [Fact]
    public void ModuleFolderHoldsOnlyTheCmdletAssemblyAtTheRootAndDependenciesBeneath()
    {
        string root = HostedModule.ModuleDirectory;
        var rootFiles = Directory.GetFiles(root).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(new[] { "MonoBiomech.dll", "MonoBiomech.format.ps1xml", "MonoBiomech.psd1" }, rootFiles);
        // the default body model of Invoke-BiomechFit, with its documentation
        Assert.Equal(new[] { "README.md", "monobiomech_body.xml" },
            Directory.GetFiles(Path.Combine(root, "models")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());

        string dependencies = Path.Combine(root, "Dependencies");
        var managed = Directory.GetFiles(dependencies).Select(Path.GetFileName).ToArray();
        Assert.Contains("MonoBiomech.Engine.dll", managed);
        Assert.Contains("OpenCvSharp.dll", managed);
        Assert.Contains("Microsoft.ML.OnnxRuntime.dll", managed);
        Assert.Contains("MathNet.Numerics.dll", managed);
        Assert.All(managed, f => Assert.EndsWith(".dll", f));
        Assert.True(File.Exists(Path.Combine(dependencies, "runtimes", "linux-x64", "native", "libOpenCvSharpExtern.so")));
        Assert.True(File.Exists(Path.Combine(dependencies, "runtimes", "linux-x64", "native", "libonnxruntime.so")));
        var shippedRids = Directory.GetDirectories(Path.Combine(dependencies, "runtimes")).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(new[] { "linux-x64", "osx-arm64", "win-x64" }, shippedRids);
        Assert.Empty(Directory.GetFiles(root, "*.pdb", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(root, "*.lib", SearchOption.AllDirectories));
    }

    [Fact]
    public void FormatViewsNameRealEngineTypesAndProperties()
    {
        using var host = HostedModule.Import();
        host.Run("$null = Get-MonoBiomechCache");
        var engine = AppDomain.CurrentDomain.GetAssemblies().Single(a => a.GetName().Name == "MonoBiomech.Engine");
        var format = System.Xml.Linq.XDocument.Load(Path.Combine(HostedModule.ModuleDirectory, "MonoBiomech.format.ps1xml"));

        var views = format.Descendants("View").ToList();
        Assert.Equal(3, views.Count);
        foreach (var view in views)
        {
            string typeName = views.Count > 0 ? view.Element("ViewSelectedBy")!.Element("TypeName")!.Value : "";
            Type? type = engine.GetType(typeName);
            Assert.True(type is not null, $"format view names missing type {typeName}");
            foreach (string property in view.Descendants("PropertyName").Select(p => p.Value))
                Assert.True(type!.GetProperty(property) is not null, $"{typeName} has no property {property}");
        }
    }
}
