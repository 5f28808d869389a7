using System.Management.Automation;
using System.Management.Automation.Language;

namespace MonoBiomech.Module.Tests;

public sealed class ManifestTests
{
    private static readonly string[] ExpectedCmdlets =
        { "Clear-MonoBiomechCache", "Export-BiomechFit", "Get-MonoBiomechCache", "Get-PoseKeypoints", "Import-BiomechFit", "Invoke-BiomechFit", "Invoke-MonoBiomech", "Invoke-PersonDetection" };

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
        Assert.Equal(new[] { "MonoBiomech.Contracts.dll" }, info.RequiredAssemblies);
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
    public void ModuleFolderHoldsTheCmdletAndContractAssembliesAtTheRootAndDependenciesBeneath()
    {
        string root = HostedModule.ModuleDirectory;
        var rootFiles = Directory.GetFiles(root).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { "MonoBiomech.Contracts.dll", "MonoBiomech.dll", "MonoBiomech.format.ps1xml", "MonoBiomech.psd1" }, rootFiles);
        // the default body model of Invoke-BiomechFit, with its documentation
        Assert.Equal(new[] { "README.md", "monobiomech_body.xml" },
            Directory.GetFiles(Path.Combine(root, "models")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());

        string dependencies = Path.Combine(root, "Dependencies");
        var managed = Directory.GetFiles(dependencies).Select(Path.GetFileName).ToArray();
        Assert.Contains("MonoBiomech.Engine.dll", managed);
        Assert.Contains("OpenCvSharp.dll", managed);
        Assert.Contains("Microsoft.ML.OnnxRuntime.dll", managed);
        Assert.Contains("MathNet.Numerics.dll", managed);
        Assert.DoesNotContain("MonoBiomech.Contracts.dll", managed); // one copy only: the module context takes the root's
        Assert.All(managed, f => Assert.EndsWith(".dll", f));
        Assert.True(File.Exists(Path.Combine(dependencies, "runtimes", "linux-x64", "native", "libOpenCvSharpExtern.so")));
        Assert.True(File.Exists(Path.Combine(dependencies, "runtimes", "linux-x64", "native", "libonnxruntime.so")));
        var shippedRids = Directory.GetDirectories(Path.Combine(dependencies, "runtimes")).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(new[] { "linux-x64", "osx-arm64", "win-x64" }, shippedRids);
        Assert.Empty(Directory.GetFiles(root, "*.pdb", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(root, "*.lib", SearchOption.AllDirectories));
    }

    [Fact]
    public void FormatViewsNameRealContractTypesAndEveryMemberTheyRead()
    {
        using var host = HostedModule.Import();
        var format = System.Xml.Linq.XDocument.Load(Path.Combine(HostedModule.ModuleDirectory, "MonoBiomech.format.ps1xml"));

        var views = format.Descendants("View").ToList();
        Assert.NotEmpty(views);
        foreach (var view in views)
        {
            string typeName = view.Element("ViewSelectedBy")!.Element("TypeName")!.Value;
            Type? type = ContractType(host, typeName);
            Assert.True(type is not null, $"format view {view.Element("Name")!.Value} names {typeName}, which PowerShell cannot resolve");
            foreach (string property in view.Descendants("PropertyName").Select(p => p.Value))
                Assert.True(FindMember(type!, property) is not null, $"{typeName} has no property {property}");

            var scriptBlocks = view.Descendants("ScriptBlock").Select(b => b.Value).ToList();
            foreach (string script in scriptBlocks)
            {
                var members = MembersReadFromCurrentObject(script);
                Assert.True(members.Count > 0, $"{typeName}: the column {{ {script} }} reads nothing from $_");
                foreach (var member in members)
                    Assert.True(ResolveMemberChain(type!, member) is not null, $"{typeName}: {{ {script} }} reads {member.Extent.Text}, which does not exist");
            }
        }
    }

    /// <summary>A type as a script names it, resolved in the module's runspace (so it must be loadable by PowerShell).</summary>
    private static Type? ContractType(HostedModule host, string typeName) =>
        host.Run("param($n) $n -as [type]", new Dictionary<string, object?> { ["n"] = typeName }).SingleOrDefault()?.BaseObject as Type;

    /// <summary>The outermost member accesses of a script block that start at <c>$_</c>, e.g. <c>$_.Video.Path</c>.</summary>
    private static List<MemberExpressionAst> MembersReadFromCurrentObject(string script)
    {
        var ast = Parser.ParseInput(script, out _, out ParseError[] errors);
        Assert.Empty(errors.Select(e => e.Message));
        var all = ast.FindAll(a => a is MemberExpressionAst m && !m.Static && RootsAtCurrentObject(m), searchNestedScriptBlocks: true)
            .Cast<MemberExpressionAst>().ToList();
        return all.Where(m => !all.Any(outer => outer != m && outer.Expression == m)).ToList();
    }

    private static bool RootsAtCurrentObject(MemberExpressionAst member) => member.Expression switch
    {
        VariableExpressionAst v => v.VariablePath.UserPath == "_",
        MemberExpressionAst inner => RootsAtCurrentObject(inner),
        _ => false,
    };

    /// <summary>The type <paramref name="member"/> evaluates to on an object of <paramref name="root"/>, or null when a member is missing.</summary>
    private static Type? ResolveMemberChain(Type root, MemberExpressionAst member)
    {
        Type? owner = member.Expression is MemberExpressionAst inner ? ResolveMemberChain(root, inner) : root;
        if (owner is null || member.Member is not StringConstantExpressionAst name)
            return null;
        if (member is InvokeMemberExpressionAst)
            return owner.GetMethods().FirstOrDefault(m => m.Name == name.Value)?.ReturnType;
        return FindMember(owner, name.Value) switch
        {
            System.Reflection.PropertyInfo p => Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType,
            System.Reflection.FieldInfo f => f.FieldType,
            _ => null,
        };
    }

    /// <summary>A public instance property or field, also one an interface inherits (IReadOnlyList's Count).</summary>
    private static System.Reflection.MemberInfo? FindMember(Type type, string name) =>
        new[] { type }.Concat(type.GetInterfaces())
            .Select(t => (System.Reflection.MemberInfo?)t.GetProperty(name) ?? t.GetField(name))
            .FirstOrDefault(m => m is not null);
}
