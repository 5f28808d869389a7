namespace MonoBiomech.Engine.Pose;

/// <summary>Where the pose models' files are looked for: one rule for every model.</summary>
public static class PoseModelFolders
{
    /// <summary>Names a folder searched before the module's own.</summary>
    public const string EnvironmentVariable = "MONOBIOMECH_MODELS";

    /// <summary>
    /// The folders searched, in order: <paramref name="modelDirectory"/> when given, else MONOBIOMECH_MODELS, then the
    /// module's models/ folder (the engine sits in the module's Dependencies/); each with its
    /// <paramref name="subFolder"/> first, then itself.
    /// </summary>
    public static IReadOnlyList<string> Search(string? modelDirectory, string subFolder)
    {
        var roots = new List<string>();
        if (!string.IsNullOrEmpty(modelDirectory))
            roots.Add(modelDirectory);
        else
        {
            if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment)
                roots.Add(fromEnvironment);
            string engineFolder = Path.GetDirectoryName(typeof(PoseModelFolders).Assembly.Location) ?? ".";
            roots.Add(Path.Combine(engineFolder, "..", "models"));
            roots.Add(Path.Combine(engineFolder, "models"));
        }
        return roots.Select(Path.GetFullPath).SelectMany(r => new[] { Path.Combine(r, subFolder), r }).Distinct().ToArray();
    }
}
