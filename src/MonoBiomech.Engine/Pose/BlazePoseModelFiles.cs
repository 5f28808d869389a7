using System.Security.Cryptography;
using MonoBiomech.Pose;

namespace MonoBiomech.Engine.Pose;

/// <summary>One model file the module expects: its name, size and SHA-256 as published.</summary>
public sealed record ModelFileSpec(string FileName, long LengthBytes, string Sha256);

/// <summary>The pose model files are not where the module looks, or are not the published files.</summary>
public sealed class PoseModelFileException(string message, IReadOnlyList<string> searchedFolders) : Exception(message)
{
    public IReadOnlyList<string> SearchedFolders { get; } = searchedFolders;
}

/// <summary>
/// Where the BlazePose GHUM 3D landmark networks are found and how they are recognised: the files of the npm package
/// <c>@mediapipe/pose</c> 0.5.1675469404 (Apache-2.0), which build.ps1 fetches; the module ships none of them in git.
/// </summary>
public static class BlazePoseModelFiles
{
    public const string NpmPackage = "@mediapipe/pose@0.5.1675469404";

    /// <summary>The sub-folder of a models folder that holds the files.</summary>
    public const string FolderName = "blazepose";

    private static readonly Dictionary<BlazePoseComplexity, ModelFileSpec> Specs = new()
    {
        [BlazePoseComplexity.Lite] = new("pose_landmark_lite.tflite", 2_819_824, "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61"),
        [BlazePoseComplexity.Full] = new("pose_landmark_full.tflite", 6_440_512, "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"),
        [BlazePoseComplexity.Heavy] = new("pose_landmark_heavy.tflite", 27_709_200, "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe"),
    };

    // A file is hashed once per process and version (full path, size, write time): 27 MB take ~0.1 s.
    private static readonly Dictionary<(string Path, long Length, DateTime Written), bool> Verified = new();

    public static ModelFileSpec Spec(BlazePoseComplexity complexity) =>
        Specs.TryGetValue(complexity, out ModelFileSpec? spec) ? spec : throw new ArgumentOutOfRangeException(nameof(complexity), complexity, "Unknown BlazePose model.");

    public static IReadOnlyCollection<ModelFileSpec> All => Specs.Values;

    /// <summary>The folders searched for the files (see <see cref="PoseModelFolders.Search"/>).</summary>
    public static IReadOnlyList<string> SearchFolders(string? modelDirectory) => PoseModelFolders.Search(modelDirectory, FolderName);

    /// <summary>True when the network of that complexity is found (not verified).</summary>
    public static bool IsAvailable(BlazePoseComplexity complexity, string? modelDirectory) =>
        SearchFolders(modelDirectory).Any(f => File.Exists(Path.Combine(f, Spec(complexity).FileName)));

    /// <summary>The verified landmark network of that complexity.</summary>
    /// <exception cref="PoseModelFileException">Not found, or not the published file (size or SHA-256 differ).</exception>
    public static string Locate(BlazePoseComplexity complexity, string? modelDirectory)
    {
        ModelFileSpec spec = Spec(complexity);
        IReadOnlyList<string> folders = SearchFolders(modelDirectory);
        string? path = folders.Select(f => Path.Combine(f, spec.FileName)).FirstOrDefault(File.Exists);
        if (path is null)
            throw new PoseModelFileException(
                $"The BlazePose {complexity} landmark model '{spec.FileName}' ({spec.LengthBytes:N0} bytes, SHA-256 {spec.Sha256}) is not in " +
                $"{string.Join(", ", folders.Select(f => $"'{f}'"))}. It comes from the npm package {NpmPackage} (Apache-2.0): " +
                $"build.ps1 fetches it with 'npm pack {NpmPackage}', or extract package/{spec.FileName} from that package into one of these folders " +
                $"(or a folder named by {PoseModelFolders.EnvironmentVariable}).", folders);
        Verify(path, spec, folders);
        return path;
    }

    private static void Verify(string path, ModelFileSpec spec, IReadOnlyList<string> folders)
    {
        var file = new FileInfo(path);
        var key = (file.FullName, file.Length, file.LastWriteTimeUtc);
        lock (Verified)
            if (Verified.ContainsKey(key)) return;
        string? problem = null;
        if (file.Length != spec.LengthBytes)
            problem = $"it has {file.Length:N0} bytes, the published file {spec.LengthBytes:N0}";
        else
        {
            using FileStream stream = file.OpenRead();
            string actual = Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
            if (actual != spec.Sha256)
                problem = $"its SHA-256 is {actual}, the published file's {spec.Sha256}";
        }
        if (problem is not null)
            throw new PoseModelFileException(
                $"'{path}' is not the published BlazePose model {spec.FileName}: {problem}. Replace it with the file from the npm package {NpmPackage}.", folders);
        lock (Verified)
            Verified[key] = true;
    }
}
