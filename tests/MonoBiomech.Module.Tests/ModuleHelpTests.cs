using System.Management.Automation;
using System.Xml.Linq;

namespace MonoBiomech.Module.Tests;

/// <summary>The MAML help file must describe exactly the parameters its cmdlets have, and Get-Help must find it.</summary>
public sealed class ModuleHelpTests
{
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";

    private static readonly HashSet<string> CommonParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
        "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable",
    };

    private static string HelpFile => Path.Combine(HostedModule.ModuleDirectory, "en-US", "MonoBiomech.dll-Help.xml");

    [Fact]
    public void EveryDocumentedCmdletDescribesExactlyItsParameters()
    {
        var help = XDocument.Load(HelpFile);
        var documented = help.Root!.Elements(Command + "command").ToList();
        Assert.Contains(documented, c => c.Element(Command + "details")!.Element(Command + "name")!.Value == "Invoke-BiomechFit");
        Assert.Contains(documented, c => c.Element(Command + "details")!.Element(Command + "name")!.Value == "Import-BiomechFit");

        using var host = HostedModule.Import();
        foreach (var entry in documented)
        {
            string name = entry.Element(Command + "details")!.Element(Command + "name")!.Value;
            var command = (CommandInfo)host.Run("param($n) Get-Command -Name $n -Module MonoBiomech", new Dictionary<string, object?> { ["n"] = name })[0].BaseObject;
            var actual = command.Parameters.Keys.Where(p => !CommonParameters.Contains(p)).Order().ToArray();
            var described = entry.Element(Command + "parameters")!.Elements(Command + "parameter")
                .Select(p => p.Element(Maml + "name")!.Value).Order().ToArray();
            Assert.Equal(actual, described);
            Assert.All(entry.Element(Command + "parameters")!.Elements(Command + "parameter"),
                p => Assert.False(string.IsNullOrWhiteSpace(p.Element(Maml + "description")?.Value), $"{name} -{p.Element(Maml + "name")!.Value} has no description"));
            foreach (var syntaxItem in entry.Element(Command + "syntax")!.Elements(Command + "syntaxItem"))
                Assert.All(syntaxItem.Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value), p => Assert.Contains(p, actual));
        }
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
