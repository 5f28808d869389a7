using System.Management.Automation;
using System.Xml.Linq;

namespace MonoBiomech.Module.Tests;

/// <summary>Every exported cmdlet must have MAML help that describes exactly its parameters, and Get-Help must find it.</summary>
public sealed class ModuleHelpTests
{
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private static readonly HashSet<string> CommonParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
        "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable",
    };

    /// <summary>The aliases attribute MAML uses: "none", or the aliases joined by ", ".</summary>
    private static string AliasesOf(ParameterMetadata parameter) =>
        parameter.Aliases.Count == 0 ? "none" : string.Join(", ", parameter.Aliases);

    /// <summary>The pipelineInput attribute MAML uses, over all parameter sets.</summary>
    private static string PipelineInputOf(ParameterMetadata parameter)
    {
        var sets = parameter.ParameterSets.Values.ToList();
        var kinds = new List<string>();
        if (sets.Any(s => s.ValueFromPipeline))
            kinds.Add("ByValue");
        if (sets.Any(s => s.ValueFromPipelineByPropertyName))
            kinds.Add("ByPropertyName");
        return kinds.Count == 0 ? "False" : $"True ({string.Join(", ", kinds)})";
    }

    private static string HelpFile => Path.Combine(HostedModule.ModuleDirectory, "en-US", "MonoBiomech.dll-Help.xml");

    private static string NameOf(XElement entry) => entry.Element(Command + "details")!.Element(Command + "name")!.Value;

    private static IEnumerable<XElement> DescribedParameters(XElement entry) =>
        entry.Element(Command + "parameters")!.Elements(Command + "parameter");

    /// <summary>The cmdlets the built module exports, asked of PowerShell rather than listed here, so a new cmdlet is covered at once.</summary>
    private static List<CommandInfo> ExportedCmdlets(HostedModule host) =>
        host.Run("Get-Command -Module MonoBiomech").Select(o => (CommandInfo)o.BaseObject).OrderBy(c => c.Name).ToList();

    [Fact]
    public void EveryExportedCmdletHasExactlyOneHelpEntryAndNoEntryIsStale()
    {
        var help = XDocument.Load(HelpFile);
        using var host = HostedModule.Import();
        var exported = ExportedCmdlets(host).Select(c => c.Name).ToArray();
        Assert.NotEmpty(exported);
        var documented = help.Root!.Elements(Command + "command").Select(NameOf).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(exported.Order(StringComparer.Ordinal), documented);
    }

    [Fact]
    public void EveryExportedCmdletDescribesExactlyItsParameters()
    {
        var entries = XDocument.Load(HelpFile).Root!.Elements(Command + "command").ToDictionary(NameOf);
        using var host = HostedModule.Import();
        foreach (var command in ExportedCmdlets(host))
        {
            Assert.True(entries.TryGetValue(command.Name, out var entry), $"{command.Name} has no help entry");
            var actual = command.Parameters.Values.Where(p => !CommonParameters.Contains(p.Name)).ToDictionary(p => p.Name);
            var described = DescribedParameters(entry).ToList();
            Assert.Equal(actual.Keys.Order(), described.Select(p => p.Element(Maml + "name")!.Value).Order());

            foreach (var p in described)
                AssertMatches(command.Name, actual, p);
            // Syntax blocks repeat each parameter; they must not drift from the parameters section either.
            foreach (var syntaxItem in entry.Element(Command + "syntax")!.Elements(Command + "syntaxItem"))
            {
                foreach (var p in syntaxItem.Elements(Command + "parameter"))
                    AssertMatches(command.Name, actual, p);
            }
        }
    }

    /// <summary>Checks one MAML parameter element against the cmdlet's metadata: it exists, has a description, and its type, aliases, pipeline input and wildcard support are the real ones.</summary>
    private static void AssertMatches(string commandName, IReadOnlyDictionary<string, ParameterMetadata> actual, XElement described)
    {
        string parameterName = described.Element(Maml + "name")!.Value;
        string where = $"{commandName} -{parameterName}";
        Assert.True(actual.TryGetValue(parameterName, out var metadata), $"{where} is described but the cmdlet has no such parameter");
        Assert.False(string.IsNullOrWhiteSpace(described.Element(Maml + "description")?.Value), $"{where} has no description");
        Assert.True(metadata.ParameterType.Name == described.Element(Dev + "type")?.Element(Maml + "name")?.Value, $"{where}: type is {metadata.ParameterType.Name}");
        Assert.True(AliasesOf(metadata) == described.Attribute("aliases")?.Value, $"{where}: aliases are '{AliasesOf(metadata)}'");
        Assert.True(PipelineInputOf(metadata) == described.Attribute("pipelineInput")?.Value, $"{where}: pipeline input is '{PipelineInputOf(metadata)}'");
        bool wildcards = metadata.Attributes.OfType<SupportsWildcardsAttribute>().Any();
        Assert.True(wildcards.ToString().ToLowerInvariant() == described.Attribute("globbing")?.Value, $"{where}: globbing is {wildcards}");
    }

    [Fact]
    public void GetHelpFindsTheSynopsisDescriptionAndExamplesOfEveryExportedCmdlet()
    {
        var entries = XDocument.Load(HelpFile).Root!.Elements(Command + "command").ToDictionary(NameOf);
        using var host = HostedModule.Import();
        foreach (var command in ExportedCmdlets(host))
        {
            var entry = entries[command.Name];
            string synopsis = entry.Element(Command + "details")!.Element(Maml + "description")!.Value.Trim();
            Assert.False(string.IsNullOrWhiteSpace(synopsis), $"{command.Name} has no synopsis");
            var args = new Dictionary<string, object?> { ["n"] = command.Name };
            // Without the MAML file Get-Help falls back to generated help whose synopsis is the syntax line.
            Assert.Equal(synopsis, Assert.Single(host.Run("param($n) (Get-Help -Name $n).Synopsis", args)).ToString().Trim());
            Assert.NotEmpty(host.Run("param($n) (Get-Help -Name $n).description.Text", args));
            var examples = host.Run("param($n) (Get-Help -Name $n -Examples).examples.example.code", args);
            Assert.True(examples.Count >= 2, $"{command.Name} has {examples.Count} example(s); at least two");
            Assert.All(examples, code => Assert.Contains(command.Name, code.ToString()));
        }
    }

    [Fact]
    public void HelpNamesTheRealOutputAndInputTypes()
    {
        var entries = XDocument.Load(HelpFile).Root!.Elements(Command + "command").ToDictionary(NameOf);
        using var host = HostedModule.Import();
        foreach (var command in ExportedCmdlets(host))
        {
            var entry = entries[command.Name];
            string[] TypeNames(string list, string item) => entry.Element(Command + list)!.Elements(Command + item)
                .Select(e => e.Element(Dev + "type")!.Element(Maml + "name")!.Value).ToArray();
            string[] returned = TypeNames("returnValues", "returnValue").Where(n => n != "None").ToArray();
            Assert.Equal(command.OutputType.Select(t => t.Name).Order(), returned.Order());
            foreach (string typeName in returned.Concat(TypeNames("inputTypes", "inputType")))
            {
                var resolved = host.Run("param($n) $n -as [type]", new Dictionary<string, object?> { ["n"] = typeName });
                Assert.True(resolved.SingleOrDefault()?.BaseObject is Type, $"{command.Name} help names the type {typeName}, which a script cannot resolve");
            }
        }
    }

    [Fact]
    public void HelpNamesOnlyCommandsThatExist()
    {
        string text = string.Join(" ", XDocument.Load(HelpFile).DescendantNodes().OfType<XText>().Select(t => t.Value));
        using var host = HostedModule.Import();
        // Verb-Noun with an approved verb is a command name (Levenberg-Marquardt is not one)
        var verbs = new[] { typeof(VerbsCommon), typeof(VerbsCommunications), typeof(VerbsData), typeof(VerbsDiagnostic), typeof(VerbsLifecycle), typeof(VerbsOther), typeof(VerbsSecurity) }
            .SelectMany(t => t.GetFields()).Select(f => (string)f.GetValue(null)!).ToHashSet(StringComparer.Ordinal);
        var named = System.Text.RegularExpressions.Regex.Matches(text, @"\b([A-Z][a-z]+)-[A-Z][A-Za-z]+\b")
            .Where(m => verbs.Contains(m.Groups[1].Value)).Select(m => m.Value).Distinct().ToList();
        Assert.Contains("Invoke-BiomechFit", named);
        var missing = named.Where(name => !PesterScriptTests.StandardCmdlets.Contains(name)
            && host.Run("param($n) Get-Command -Name $n -ErrorAction Ignore", new Dictionary<string, object?> { ["n"] = name }).Count == 0).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void GetHelpShowsTheCameraDefaultsOfInvokeBiomechFit()
    {
        using var host = HostedModule.Import();
        var text = host.Run("(Get-Help -Name Invoke-BiomechFit -Parameter FocalLengthPixels).description.Text");
        string description = string.Join(" ", text.Select(t => t.ToString()));
        Assert.Contains("55 degree field of view", description);
        Assert.Contains("Samsung Galaxy S20", description);
        var synopsis = host.Run("(Get-Help -Name Import-BiomechFit).Synopsis");
        Assert.StartsWith("Reads fitted-model files", Assert.Single(synopsis).ToString());
    }
}
