using System.Diagnostics;
using MonoBiomech.Detection;
using MonoBiomech.Engine.Detection;
using MonoBiomech.Engine.Video;
using OpenCvSharp;

namespace MonoBiomech.Bench;

/// <summary>
/// `detection [clip.mp4] [model.onnx]`: decode speed, person-detection speed with detection every frame and every 5th
/// frame, and peak memory, on a 1080p clip (made from the shared walking clip unless a clip is given).
/// </summary>
internal static class DetectionBenchmark
{
    public static int Run(string[] args)
    {
        string clip = args.Length > 0 ? args[0] : MakeFullHdClip();
        string? model = args.Length > 1 ? args[1] : null;
        using (var probe = VideoReader.Open(clip))
            Console.WriteLine($"clip: {clip}  {probe.Info.WidthPixels}x{probe.Info.HeightPixels} {probe.Info.Codec} {probe.Info.FrameCount} frames @ {probe.Info.FramesPerSecond} fps");
        Console.WriteLine($"cores: {Environment.ProcessorCount}");

        double decodeFps = MeasureDecode(clip);
        Console.WriteLine($"decode only:                  {decodeFps,8:F1} frames/s");

        var settings = model is null
            ? new PersonDetectionSettings()
            : new PersonDetectionSettings { Detector = DetectorKind.Onnx, OnnxModelPath = model };
        double every1 = MeasureDetection(clip, settings with { DetectionInterval = 1 }, "detection every frame");
        double every5 = MeasureDetection(clip, settings with { DetectionInterval = 5 }, "detection every 5th frame");
        Console.WriteLine($"speed-up of interval 5 over 1: {every5 / every1:F2}x");

        using var self = Process.GetCurrentProcess();
        self.Refresh();
        Console.WriteLine($"peak working set: {self.PeakWorkingSet64 / 1048576.0:F0} MiB; managed heap now {GC.GetTotalMemory(false) / 1048576.0:F1} MiB; " +
            $"total allocated {GC.GetTotalAllocatedBytes() / 1048576.0:F0} MiB; GC gen0/1/2 = {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
        return 0;
    }

    private static double MeasureDecode(string clip)
    {
        using var reader = VideoReader.Open(clip);
        using var frame = new Mat();
        var watch = Stopwatch.StartNew();
        int frames = 0;
        while (reader.TryReadFrame(frame, out _))
            frames++;
        return frames / watch.Elapsed.TotalSeconds;
    }

    private static double MeasureDetection(string clip, PersonDetectionSettings settings, string label)
    {
        var result = PersonDetectionPipeline.Run(clip, settings, null, CancellationToken.None);
        double fps = result.FramesDecoded / result.Elapsed.TotalSeconds;
        Console.WriteLine($"{label + ":",-30}{fps,8:F1} frames/s  ({result.FramesDecoded} frames in {result.Elapsed.TotalSeconds:F2} s; " +
            $"subject in {result.FramesWithSubject} frames, {result.Tracks.Count} tracks; {result.DetectorDescription})");
        return fps;
    }

    /// <summary>The shared walking clip scaled to 1920x1080 H.264 with ffmpeg (cached in the temp folder), else mp4v via OpenCV.</summary>
    private static string MakeFullHdClip()
    {
        string source = FindSharedFile("walking_sports2d_demo.mp4");
        string target = Path.Combine(Path.GetTempPath(), "monobiomech-bench-walking-1080p.mp4");
        if (File.Exists(target))
            return target;
        string partial = target + ".partial.mp4";
        try
        {
            var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true };
            foreach (var a in new[] { "-hide_banner", "-loglevel", "error", "-y", "-i", source, "-vf", "scale=1920:1080", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", partial })
                start.ArgumentList.Add(a);
            using var ffmpeg = Process.Start(start)!;
            ffmpeg.StandardError.ReadToEnd();
            ffmpeg.WaitForExit();
            if (ffmpeg.ExitCode != 0)
                throw new InvalidOperationException("ffmpeg failed");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            using var reader = VideoReader.Open(source);
            using var writer = new VideoWriter(partial, FourCC.MP4V, reader.Info.FramesPerSecond, new Size(1920, 1080));
            using Mat frame = new(), scaled = new();
            while (reader.TryReadFrame(frame, out _))
            {
                Cv2.Resize(frame, scaled, new Size(1920, 1080));
                writer.Write(scaled);
            }
        }
        File.Move(partial, target, overwrite: true);
        return target;
    }

    private static string FindSharedFile(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "..", "shared", "data", name);
            if (File.Exists(Path.Combine(dir.FullName, "MonoBiomech.slnx")) && File.Exists(candidate))
                return Path.GetFullPath(candidate);
        }
        string? fromEnvironment = Environment.GetEnvironmentVariable("MONOBIOMECH_SHARED");
        if (fromEnvironment is not null && File.Exists(Path.Combine(fromEnvironment, "data", name)))
            return Path.Combine(fromEnvironment, "data", name);
        throw new FileNotFoundException($"Cannot find ../shared/data/{name} beside the repository; set MONOBIOMECH_SHARED or pass a clip.", name);
    }
}
