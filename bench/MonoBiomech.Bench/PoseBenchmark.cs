using System.Diagnostics;
using MonoBiomech.Detection;
using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Engine.Caching;
using MonoBiomech.Engine.Detection;
using MonoBiomech.Engine.Pipeline;
using MonoBiomech.Engine.Pose;
using MonoBiomech.Fitting;
using MonoBiomech.Pipeline;
using MonoBiomech.Pose;
using MonoBiomech.Tests;

namespace MonoBiomech.Bench;

/// <summary>
/// `pose [clip.mp4 ...]`: BlazePose speed per complexity on real clips (the subject track detected once beforehand):
/// milliseconds per decoded frame and per frame with the subject, and the time of the whole pipeline per clip
/// (detection, keypoints, fit, all files) with its share per stage. Default clips: the two in ../shared/data.
/// </summary>
internal static class PoseBenchmark
{
    public static void Run(string[] args)
    {
        string[] clips = args.Length > 0 ? args
            : new[] { "force_plate_subject_pose2sim_cam01.mp4", "walking_sports2d_demo.mp4" }.Select(SharedData.DataFile).ToArray();
        string models = Path.Combine(SharedData.RepositoryRoot, "models");
        Console.WriteLine($"pose benchmark: {Environment.ProcessorCount} processors, models in {models}");
        foreach (string clip in clips)
        {
            var clock = Stopwatch.StartNew();
            PersonDetectionResult detection = PersonDetectionPipeline.Run(clip, new PersonDetectionSettings(), null, CancellationToken.None);
            double detectionSeconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"{Path.GetFileName(clip)}: {detection.FramesDecoded} frames, subject in {detection.FramesWithSubject}, person detection {1000 * detectionSeconds / detection.FramesDecoded:F1} ms/frame");
            foreach (BlazePoseComplexity complexity in Enum.GetValues<BlazePoseComplexity>())
            {
                var settings = new PoseEstimationSettings { Model = PoseModel.BlazePose, ModelDirectory = models, ModelComplexity = complexity };
                PoseEstimationPipeline.Run(detection, settings, null, CancellationToken.None); // warm: load, JIT, page cache
                clock.Restart();
                PoseSequence poses = PoseEstimationPipeline.Run(detection, settings, null, CancellationToken.None);
                double seconds = clock.Elapsed.TotalSeconds;
                Console.WriteLine($"  {complexity,-5}: {1000 * seconds / poses.FrameCount,6:F1} ms per decoded frame, {1000 * seconds / Math.Max(1, poses.FramesWithKeypoints),6:F1} ms per frame with the subject ({poses.FramesWithKeypoints} frames)");
            }

            using var folder = new TempOutput();
            var cache = new SessionCache();
            var stages = new Dictionary<string, double>();
            string? stage = null;
            var stageClock = new Stopwatch();
            var progress = new Relay(p =>
            {
                if (p.Stage == stage) return;
                if (stage is not null) stages[stage] = stages.GetValueOrDefault(stage) + stageClock.Elapsed.TotalSeconds;
                stage = p.Stage;
                stageClock.Restart();
            });
            BodyModel model = BodyModel.LoadMjcf(Path.Combine(models, "monobiomech_body.xml"));
            clock.Restart();
            VideoPipeline.Run(clip, new PoseEstimationSettings { ModelDirectory = models }, model, new BiomechFitSettings(), PipelineOutputs.For(clip, folder.Path),
                cache, progress, CancellationToken.None);
            if (stage is not null) stages[stage] = stages.GetValueOrDefault(stage) + stageClock.Elapsed.TotalSeconds;
            double total = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"  whole pipeline (Full): {total:F2} s = {string.Join(", ", stages.Select(s => $"{s.Key} {s.Value:F2} s ({100 * s.Value / total:F0}%)"))}");
        }
    }

    private sealed class Relay(Action<PipelineProgress> report) : IProgress<PipelineProgress>
    {
        public void Report(PipelineProgress value) => report(value);
    }

    private sealed class TempOutput : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("monobiomech-bench-").FullName;
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
