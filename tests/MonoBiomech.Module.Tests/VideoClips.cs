using MonoBiomech.Tests;

namespace MonoBiomech.Module.Tests;

/// <summary>
/// Test videos in a private temporary folder: short clips cut from the shared walking video (with the ffmpeg CLI
/// when present, else full copies), plus the bad inputs the cmdlets must report. Each test class gets its own folder,
/// because the session cache is process-wide and keyed by path.
/// </summary>
public sealed class VideoClips : IDisposable
{
    public VideoClips()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("mb-module-").FullName;
        if (SharedData.Directory is null)
            return; // every test using the clips is a [SharedDataFact] and is skipped

        string source = SharedData.DataFile("walking_sports2d_demo.mp4");
        Short = Path.Combine(Directory, "walk.mp4");
        MakeClip(source, Short, inputOptions: [], outputOptions: ["-t", "1", "-vf", "scale=480:-2"]);
        Second = Path.Combine(Directory, "second.mp4");
        File.Copy(Short, Second);
        WithBrackets = Path.Combine(Directory, "walk [take 1].mp4");
        File.Copy(Short, WithBrackets);
        Long = Path.Combine(Directory, "long", "walk-long.mp4");
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Long)!);
        MakeClip(source, Long, inputOptions: ["-stream_loop", "2"], outputOptions: ["-vf", "scale=640:-2"]);

        Empty = Path.Combine(Directory, "bad", "empty.mp4");
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Empty)!);
        File.WriteAllBytes(Empty, Array.Empty<byte>());
        TextAsVideo = Path.Combine(Directory, "bad", "notes.mp4");
        File.WriteAllText(TextAsVideo, "This is a text file with a video extension.\n");
        Truncated = Path.Combine(Directory, "bad", "truncated.mp4");
        byte[] whole = File.ReadAllBytes(Short);
        File.WriteAllBytes(Truncated, whole[..(whole.Length / 2)]);
        Missing = Path.Combine(Directory, "bad", "missing.mp4");
        Folder = Path.Combine(Directory, "bad", "folder.mp4");
        System.IO.Directory.CreateDirectory(Folder);
    }

    public string Directory { get; }
    public string Short { get; } = "";
    public string Second { get; } = "";
    public string WithBrackets { get; } = "";
    public string Long { get; } = "";
    public string Empty { get; } = "";
    public string TextAsVideo { get; } = "";
    public string Truncated { get; } = "";
    public string Missing { get; } = "";
    public string Folder { get; } = "";

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { } // a reader may still hold a file on some platforms; the OS cleans temp later
    }

    /// <summary>A short H.264 clip cut by ffmpeg where it is installed; a full copy of the source otherwise.</summary>
    private static void MakeClip(string source, string destination, string[] inputOptions, string[] outputOptions)
    {
        if (!Ffmpeg.Available)
        {
            File.Copy(source, destination);
            return;
        }
        Ffmpeg.Run([.. inputOptions, "-i", source, .. outputOptions, "-an", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", destination]);
    }
}
