using System.Text;

namespace MonoBiomech.Engine.Formats;

/// <summary>Writes a file under a temporary name beside it and moves it into place: a reader never sees half a file.</summary>
internal static class AtomicFile
{
    /// <summary>
    /// Calls <paramref name="writeTo"/> with a hidden temporary path in the target's folder that keeps the target's
    /// extension (writers such as OpenCV's choose the format by it), then moves the file into place.
    /// </summary>
    public static void WriteVia(string path, Action<string> writeTo)
    {
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory,
            "." + Path.GetFileNameWithoutExtension(fullPath) + ".partial-" + Guid.NewGuid().ToString("N")[..8] + Path.GetExtension(fullPath));
        try
        {
            writeTo(temporary);
            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    public static void Write(string path, Action<Stream> write) => WriteVia(path, temporary =>
    {
        using var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write);
        write(file);
    });

    /// <summary>UTF-8 text without a byte-order mark (OpenSim and CSV readers take it as plain ASCII).</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, stream => stream.Write(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text)));
}
