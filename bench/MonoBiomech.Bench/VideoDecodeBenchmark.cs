using System.Diagnostics;
using MonoBiomech.Engine.Tests.TestSupport;
using MonoBiomech.Engine.Video;
using MonoBiomech.Tests;
using OpenCvSharp;

namespace MonoBiomech.Bench;

/// <summary>
/// `decode [seconds] [video ...]`: frames per second and processor time per frame (the ffmpeg child's included) of
/// the video reader with each decoder it has: OpenCV's FFmpeg, and the ffmpeg executable where one is found. Default
/// video: a 1080p H.264 test pattern of the given length (10 s). Three runs each, alternating; all are printed.
/// </summary>
internal static class VideoDecodeBenchmark
{
    private const int Runs = 3;

    public static void Run(string[] args)
    {
        int seconds = BenchArguments.FirstPositiveInteger(args, 10);
        using var folder = new TempFolder();
        var videos = args.Where(File.Exists).Select(Path.GetFullPath).ToList();
        if (videos.Count == 0)
        {
            string clip = folder.File("clip.mp4");
            Ffmpeg.Run("-f", "lavfi", "-i", $"testsrc2=size=1920x1080:rate=30:duration={seconds}", "-c:v", "libx264", "-pix_fmt", "yuv420p", clip);
            videos.Add(clip);
        }
        string? ffmpeg = FfmpegExecutable.Found;
        Console.WriteLine($"decode benchmark: {Environment.ProcessorCount} processors; ffmpeg: {ffmpeg ?? "none found"}");
        foreach (string video in videos)
        {
            var decoders = new List<(string Name, string? Executable)> { ("OpenCV", null) };
            if (ffmpeg is not null) decoders.Add(("ffmpeg", ffmpeg));
            var readings = decoders.ToDictionary(d => d.Name, _ => new List<(double FramesPerSecond, double ProcessorMilliseconds)>());
            int frames = 0;
            string size = "";
            for (int run = 0; run < Runs; run++)
                foreach ((string name, string? executable) in decoders)
                {
                    TimeSpan before = ProcessorTime.Used();
                    var clock = Stopwatch.StartNew();
                    frames = 0;
                    using (var reader = VideoReader.Open(video, executable))
                    using (var frame = new Mat())
                    {
                        size = $"{reader.Info.WidthPixels}x{reader.Info.HeightPixels} {reader.Info.Codec}";
                        while (reader.TryReadFrame(frame, out _)) frames++;
                    }
                    double wall = clock.Elapsed.TotalSeconds;
                    readings[name].Add((frames / wall, (ProcessorTime.Used() - before).TotalMilliseconds / frames));
                }
            Console.WriteLine($"  {Path.GetFileName(video)} ({size}, {frames} frames):");
            foreach ((string name, var list) in readings)
                Console.WriteLine($"    {name,-7} {string.Join(", ", list.Select(r => $"{r.FramesPerSecond:F0} frames/s {r.ProcessorMilliseconds:F1} ms"))} (processor time a frame)");
        }
    }
}
