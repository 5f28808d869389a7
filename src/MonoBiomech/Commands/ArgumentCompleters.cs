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

/// <summary>
/// Tab completion of -BodyModel: the body models shipped in the module's models folder (full paths), then the files
/// PowerShell would complete anyway.
/// </summary>
public sealed class BodyModelCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string folder = Path.Combine(Loading.ModuleInitializer.ModuleDirectory, "models");
        string prefix = wordToComplete.Trim('\'', '"');
        var shipped = Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*.xml").Order(StringComparer.Ordinal)
                .Where(f => f.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || Path.GetFileName(f).StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(f => new CompletionResult($"'{f}'", Path.GetFileName(f), CompletionResultType.ParameterValue, f))
            : Enumerable.Empty<CompletionResult>();
        return shipped.Concat(CompletionCompleters.CompleteFilename(wordToComplete));
    }
}

/// <summary>
/// Tab completion of -Skeleton: the skeletons of the MeTRAbs metadata the command would use (-ModelPath, else the
/// module's models folder), or the default one when no metadata is found.
/// </summary>
public sealed class MetrabsSkeletonCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string? metadataPath = Engine.Pose.Metrabs.MetrabsModelFiles.SearchFolders(fakeBoundParameters["ModelPath"] as string)
            .Select(f => Path.Combine(f, Engine.Pose.Metrabs.MetrabsModelFiles.MetadataFileName)).FirstOrDefault(File.Exists);
        IEnumerable<string> names = new[] { Pose.PoseEstimationSettings.DefaultMetrabsSkeleton };
        if (metadataPath is not null)
            try { names = Engine.Pose.Metrabs.MetrabsMetadata.Read(metadataPath).UsableSkeletonNames; }
            catch (Engine.Pose.Metrabs.MetrabsMetadataException) { }
        string prefix = wordToComplete.Trim('\'', '"');
        return names.Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }
}
