using System.Diagnostics;
using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Engine.Fitting;
using MonoBiomech.Fitting;

namespace MonoBiomech.Bench;

/// <summary>
/// `fit`: fits synthetic walking clips of 300, 1200 and 4800 frames (30 fps, 87 keypoints, realistic noise) and prints
/// iterations, time, time per iteration, peak memory, accuracy and the time ratios against the shortest clip.
/// Optional args: a body-model path (default: models/monobiomech_body.xml, else ../shared/data/humanoid_torque.xml), frame counts.
/// </summary>
internal static class FitBenchmark
{
    public static void Run(string[] args)
    {
        string modelPath = ModelPath(args);
        int[] lengths = BenchArguments.PositiveIntegers(args);
        if (lengths.Length == 0) lengths = new[] { 300, 1200, 4800 };
        BodyModel model = BodyModel.LoadMjcf(modelPath);
        Console.WriteLine($"fit benchmark: model {modelPath}, {Environment.ProcessorCount} processors");
        int[] hips = { model.FindCoordinate("hip_flexion_r"), model.FindCoordinate("hip_flexion_l") };
        int[] major = new[] { "hip_flexion_r", "hip_flexion_l", "knee_angle_r", "knee_angle_l", "ankle_angle_r", "ankle_angle_l", "elbow_flex_r", "elbow_flex_l" }
            .Select(model.FindCoordinate).Where(i => i >= 0).ToArray();

        // Warm-up (JIT) on a short clip.
        var warm = SyntheticMotion.Generate(model, SyntheticMotionKind.Walking, 60, 30, new double[model.ScaleGroupCount], SyntheticNoise.None, 1);
        BiomechFitter.Fit(model, new[] { warm.Keypoints }, new BiomechFitSettings(), null, CancellationToken.None);

        double? baseSeconds = null;
        int? baseFrames = null;
        foreach (int frames in lengths)
        {
            var scales = SyntheticMotion.RandomScales(model, new Random(frames));
            var video = SyntheticMotion.Generate(model, SyntheticMotionKind.Walking, frames, 30, scales, SyntheticNoise.Realistic, frames);
            GC.Collect();
            long before = Process.GetCurrentProcess().PeakWorkingSet64;
            int stageIterations = 0;
            var progress = new SynchronousProgress(p => stageIterations++);
            var clock = Stopwatch.StartNew();
            BiomechFitResult result = BiomechFitter.Fit(model, new[] { video.Keypoints }, new BiomechFitSettings(), progress, CancellationToken.None)[0];
            clock.Stop();
            long peak = Process.GetCurrentProcess().PeakWorkingSet64;
            var errors = SyntheticErrors.Compare(model, video, result);
            double seconds = clock.Elapsed.TotalSeconds;
            baseSeconds ??= seconds;
            baseFrames ??= frames;
            int iterations = result.Metrics!.Iterations + result.Metrics.PoseStageIterations;
            Console.WriteLine($"{frames,5} frames: {iterations,3} iterations, {seconds,7:F2} s total, {1000 * seconds / iterations,7:F1} ms/iteration, " +
                $"{result.Metrics.ExitReason}, peak working set {peak / 1048576.0:F0} MB (before {before / 1048576.0:F0} MB), " +
                $"time ratio {seconds / baseSeconds.Value:F2} for length ratio {frames / (double)baseFrames.Value:F0}; " +
                $"major-joint RMSE {errors.RmseDegrees(model, major):F2} deg, site error {errors.MeanSiteErrorMillimetres:F1} mm, max scale error {100 * errors.MaxScaleFactorError:F2} %, " +
                $"3D residual {result.Metrics.Mean3dErrorMillimetres:F1} mm, 2D residual {result.Metrics.Mean2dErrorPixels:F2} px");
        }
    }

    /// <summary>`fit accuracy [model.xml] [frames]`: per-coordinate RMSE (degrees) of noise-free and realistic-noise fits of both motion kinds.</summary>
    public static void Accuracy(string[] args)
    {
        BodyModel model = BodyModel.LoadMjcf(ModelPath(args));
        Console.WriteLine($"fit accuracy: model {model.SourcePath}");
        int frames = BenchArguments.FirstPositiveInteger(args, 120);
        foreach (SyntheticMotionKind kind in Enum.GetValues<SyntheticMotionKind>())
            foreach ((string label, SyntheticNoise noise) in new[] { ("noise-free", SyntheticNoise.None), ("realistic", SyntheticNoise.Realistic) })
            {
                var scales = SyntheticMotion.RandomScales(model, new Random(7));
                var video = SyntheticMotion.Generate(model, kind, frames, 30, scales, noise, 11);
                var clock = Stopwatch.StartNew();
                BiomechFitResult result = BiomechFitter.Fit(model, new[] { video.Keypoints }, new BiomechFitSettings(), null, CancellationToken.None)[0];
                var e = SyntheticErrors.Compare(model, video, result);
                Console.WriteLine($"{kind} {label}: {result.Metrics!.Iterations} it, {clock.Elapsed.TotalSeconds:F2} s, joints 6.. RMSE {e.RmseDegrees(model, Enumerable.Range(6, model.CoordinateCount - 6)):F3} deg, " +
                    $"site {e.MeanSiteErrorMillimetres:F2} mm, max scale error {100 * e.MaxScaleFactorError:F2} %, β {string.Join(" ", result.ScaleIncrements.Select(b => b.ToString("F3")))} vs {string.Join(" ", scales.Select(b => b.ToString("F3")))}");
                Console.WriteLine("   " + string.Join(" ", Enumerable.Range(0, model.CoordinateCount).Select(d => $"{model.Coordinates[d].Name}={(model.Coordinates[d].Kind == CoordinateKind.Translation ? 1000 * e.CoordinateRmse[d] : e.CoordinateRmse[d] * 180 / Math.PI):F2}")));
            }
    }

    /// <summary>`fit sweep [model.xml] [seeds] [view=degrees]`: realistic-noise fits over many seeds (camera, subject, motion); worst-case major-joint RMSE.</summary>
    public static void Sweep(string[] args)
    {
        BodyModel model = BodyModel.LoadMjcf(ModelPath(args));
        Console.WriteLine($"fit sweep: model {model.SourcePath}");
        int seeds = BenchArguments.FirstPositiveInteger(args, 10);
        double? view = BenchArguments.NumberOption(args, "view");
        int[] major = new[] { "hip_flexion_r", "hip_flexion_l", "knee_angle_r", "knee_angle_l", "ankle_angle_r", "ankle_angle_l", "elbow_flex_r", "elbow_flex_l" }
            .Select(model.FindCoordinate).ToArray();
        foreach (SyntheticMotionKind kind in Enum.GetValues<SyntheticMotionKind>())
        {
            var worst = new List<double>();
            var sumOfSquares = new double[major.Length];
            for (int seed = 100; seed < 100 + seeds; seed++)
            {
                var scales = SyntheticMotion.RandomScales(model, new Random(seed), 0.1);
                var video = SyntheticMotion.Generate(model, kind, 150, 30, scales, SyntheticNoise.Realistic, seed, viewYawDegrees: view);
                BiomechFitResult result = BiomechFitter.Fit(model, new[] { video.Keypoints }, new BiomechFitSettings(), null, CancellationToken.None)[0];
                var e = SyntheticErrors.Compare(model, video, result);
                int worstJoint = major.MaxBy(d => e.CoordinateRmse[d]);
                double max = e.CoordinateRmse[worstJoint] * 180 / Math.PI;
                worst.Add(max);
                for (int i = 0; i < major.Length; i++) sumOfSquares[i] += e.CoordinateRmse[major[i]] * e.CoordinateRmse[major[i]];
                Console.WriteLine($"{kind} seed {seed}: worst major-joint RMSE {max:F2} deg ({model.Coordinates[worstJoint].Name}), max scale error {100 * e.MaxScaleFactorError:F2} %, {result.Metrics!.Iterations} iterations, {result.SwappedFrames} frames relabelled");
            }
            worst.Sort();
            Console.WriteLine($"{kind}: median of per-clip worst major-joint RMSE {worst[worst.Count / 2]:F2} deg, max {worst[^1]:F2} deg; RMSE over all clips: " +
                string.Join(" ", major.Select((d, i) => $"{model.Coordinates[d].Name}={Math.Sqrt(sumOfSquares[i] / seeds) * 180 / Math.PI:F2}")));
        }
    }

    /// <summary>The first *.xml argument, else the default model.</summary>
    private static string ModelPath(string[] args) =>
        args.FirstOrDefault(a => a.EndsWith(".xml", StringComparison.OrdinalIgnoreCase)) ?? FindModel();

    private static string FindModel()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "MonoBiomech.slnx"))) continue;
            string own = Path.Combine(dir.FullName, "models", "monobiomech_body.xml");
            if (File.Exists(own)) return own;
            string shared = Path.Combine(dir.FullName, "..", "shared", "data", "humanoid_torque.xml");
            if (File.Exists(shared)) return Path.GetFullPath(shared);
        }
        throw new FileNotFoundException("No body model found: pass a path to an MJCF file.");
    }

    /// <summary>Progress reported on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<FitProgress> report) : IProgress<FitProgress>
    {
        public void Report(FitProgress value) => report(value);
    }
}
