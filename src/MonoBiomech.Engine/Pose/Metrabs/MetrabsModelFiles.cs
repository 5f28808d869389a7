namespace MonoBiomech.Engine.Pose.Metrabs;

/// <summary>
/// Where the MeTRAbs files are found: <c>metrabs_backbone.onnx</c> (the crop network, exported from
/// metrabs_eff2s_y4_256px_1600k_28ds) and <c>metrabs_metadata.pkl</c> (its joint names, edges and skeletons), in a
/// models folder or its metrabs/ sub-folder. Users download them; the weights are for non-commercial use only and the
/// module ships none (models/README.md).
/// </summary>
public static class MetrabsModelFiles
{
    public const string BackboneFileName = "metrabs_backbone.onnx";
    public const string MetadataFileName = "metrabs_metadata.pkl";

    /// <summary>The sub-folder of a models folder that may hold the files.</summary>
    public const string FolderName = "metrabs";

    public static IReadOnlyList<string> SearchFolders(string? modelDirectory) => PoseModelFolders.Search(modelDirectory, FolderName);

    /// <summary>True when both files are found (in the same folder).</summary>
    public static bool IsAvailable(string? modelDirectory) => FindFolder(SearchFolders(modelDirectory)) is not null;

    /// <summary>The backbone and the metadata, from the first folder that holds both.</summary>
    /// <exception cref="PoseModelFileException">No searched folder holds both files.</exception>
    public static (string BackbonePath, string MetadataPath) Locate(string? modelDirectory)
    {
        IReadOnlyList<string> folders = SearchFolders(modelDirectory);
        string folder = FindFolder(folders) ?? throw new PoseModelFileException(
            $"The MeTRAbs files '{BackboneFileName}' and '{MetadataFileName}' are not (both) in {string.Join(", ", folders.Select(f => $"'{f}'"))}. " +
            "They are the ONNX export of metrabs_eff2s_y4_256px_1600k_28ds and its metadata (see the module's models/README.md for where to get them; " +
            $"the weights are for non-commercial use only). Put both in one of these folders, pass the folder with -ModelPath, or set {PoseModelFolders.EnvironmentVariable}; " +
            "or use -PoseModel BlazePose.", folders);
        return (Path.Combine(folder, BackboneFileName), Path.Combine(folder, MetadataFileName));
    }

    private static string? FindFolder(IReadOnlyList<string> folders) => folders.FirstOrDefault(f =>
        File.Exists(Path.Combine(f, BackboneFileName)) && File.Exists(Path.Combine(f, MetadataFileName)));
}
