using System.IO.Compression;

namespace MonoBiomech.Engine.Formats;

/// <summary>
/// Reads and writes .npz archives (a zip of .npy members, as <c>numpy.savez</c>/<c>savez_compressed</c> write them).
/// Writes go to a temporary file beside the target that is moved into place, so a crash never leaves a half-written file.
/// </summary>
public static class NpzArchive
{
    public static IReadOnlyDictionary<string, NpyArray> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"NumPy archive '{path}' does not exist.", path);
        var arrays = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        try
        {
            using ZipArchive zip = ZipFile.OpenRead(path);
            foreach (ZipArchiveEntry entry in zip.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
                using Stream member = entry.Open();
                using var buffered = new BufferedStream(member, 1 << 16);
                arrays[entry.FullName[..^4]] = NpyArray.Read(buffered, $"{path}:{entry.FullName}");
            }
        }
        catch (InvalidDataException e)
        {
            throw new NpyFormatException(path, "not a readable zip archive (" + e.Message + ").", e);
        }
        catch (NpyFormatException e) when (e.FilePath != path)
        {
            throw new NpyFormatException(path, e.Message, e);
        }
        return arrays;
    }

    public static void Write(string path, IEnumerable<KeyValuePair<string, NpyArray>> arrays, bool compress = true) =>
        AtomicFile.Write(path, file =>
        {
            using var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true);
            foreach ((string name, NpyArray array) in arrays)
            {
                ZipArchiveEntry entry = zip.CreateEntry(name + ".npy", compress ? CompressionLevel.Fastest : CompressionLevel.NoCompression);
                using Stream member = entry.Open();
                using var buffered = new BufferedStream(member, 1 << 16);
                array.Write(buffered);
            }
        });

    /// <summary>The named array, or an <see cref="NpyFormatException"/> naming the file and the missing key.</summary>
    public static NpyArray Require(this IReadOnlyDictionary<string, NpyArray> arrays, string path, string name) =>
        arrays.TryGetValue(name, out NpyArray? array) ? array : throw new NpyFormatException(path, $"missing array '{name}'.");
}
