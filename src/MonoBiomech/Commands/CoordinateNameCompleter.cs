using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace MonoBiomech.Commands;

/// <summary>
/// Tab completion of coordinate names (hip_flexion_r, knee_angle_r, ...) from the body model the command names with
/// -BodyModel, else the module's default model.
/// </summary>
public sealed class CoordinateNameCompleter : IArgumentCompleter
{
    private static readonly Dictionary<string, string[]> NamesByModel = new(StringComparer.Ordinal);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string model = fakeBoundParameters["BodyModel"] as string
            ?? Path.Combine(Loading.ModuleInitializer.ModuleDirectory, "models", "monobiomech_body.xml");
        string[] names;
        lock (NamesByModel)
        {
            if (!NamesByModel.TryGetValue(model, out names!))
            {
                try { names = Engine.BodyModels.BodyModel.LoadMjcf(model).Coordinates.Select(c => c.Name).ToArray(); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or Engine.BodyModels.BodyModelFormatException) { names = Array.Empty<string>(); }
                NamesByModel[model] = names;
            }
        }
        string prefix = wordToComplete.Trim('\'', '"');
        return names.Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }
}
