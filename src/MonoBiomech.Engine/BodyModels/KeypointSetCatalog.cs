using MonoBiomech.Pose;

namespace MonoBiomech.Engine.BodyModels;


/// <summary>
/// The keypoint sets found in folders of <c>&lt;set&gt;.&lt;body model file&gt;.json</c> files (the module's
/// <c>models/keypointsets/</c>, and a <c>keypointsets/</c> folder beside a body model file). Files are read once, on first use.
/// </summary>
public sealed class KeypointSetCatalog
{
    private readonly Lazy<IReadOnlyList<KeypointSet>> sets;

    public KeypointSetCatalog(IEnumerable<string> folders)
    {
        string[] searched = folders.Where(Directory.Exists).Distinct(StringComparer.Ordinal).ToArray();
        Folders = searched;
        sets = new Lazy<IReadOnlyList<KeypointSet>>(() => searched
            .SelectMany(folder => Directory.GetFiles(folder, "*.json").OrderBy(f => f, StringComparer.Ordinal))
            .Select(KeypointSet.Load).ToArray());
    }

    /// <summary>The folders searched (those that exist).</summary>
    public IReadOnlyList<string> Folders { get; }

    public IReadOnlyList<KeypointSet> Sets => sets.Value;

    /// <summary>
    /// The catalog for a body model: <c>keypointsets/</c> beside its file, then the module's <c>models/keypointsets/</c>
    /// (the engine assembly sits in the module's <c>Dependencies/</c>), then one beside the engine assembly.
    /// </summary>
    public static KeypointSetCatalog ForBodyModel(BodyModel model)
    {
        string engineFolder = Path.GetDirectoryName(typeof(KeypointSetCatalog).Assembly.Location) ?? ".";
        string? modelFolder = Path.GetDirectoryName(Path.GetFullPath(model.SourcePath));
        var folders = new List<string>();
        if (modelFolder is not null) folders.Add(Path.Combine(modelFolder, "keypointsets"));
        folders.Add(Path.Combine(engineFolder, "..", "models", "keypointsets"));
        folders.Add(Path.Combine(engineFolder, "models", "keypointsets"));
        return new KeypointSetCatalog(folders.Select(Path.GetFullPath));
    }

    /// <summary>The set of that name placed on <paramref name="model"/>, or null.</summary>
    public KeypointSet? Find(string setName, BodyModel model) =>
        Sets.FirstOrDefault(s => s.Name == setName && s.BodyModelName == model.Name);

    /// <summary>The name of a set whose points are exactly these names, in any order (upstream files name no set), or null.</summary>
    public string? Identify(IReadOnlyList<string> keypointNames)
    {
        var names = new HashSet<string>(keypointNames, StringComparer.Ordinal);
        return Sets.FirstOrDefault(s => s.Count == keypointNames.Count && names.SetEquals(s.Names))?.Name;
    }

    /// <summary>Any set of that name (on any model): its mirror pairs do not depend on the model.</summary>
    public KeypointSet? FindAnyPlacement(string setName) => Sets.FirstOrDefault(s => s.Name == setName);
}
