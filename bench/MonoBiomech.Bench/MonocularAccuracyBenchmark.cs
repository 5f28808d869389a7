using System.Diagnostics;
using MonoBiomech.Engine.Tests.BodyModels;
using MonoBiomech.Engine.Tests.Fitting.Monocular;
using MonoBiomech.Tests;
using Model = MonoBiomech.Engine.BodyModels.BodyModel;

namespace MonoBiomech.Bench;

/// <summary>
/// `fit-accuracy-monocular [model.xml ...] [frames] [own] [realistic] [seed=N]`: the monocular acceptance bench
/// (tests/.../Fitting/Monocular, compiled in here): every motion × view × error preset on MuJoCo-generated clips, fitted
/// with default settings; prints the markdown table of the acceptance tests row by row (with the fit time of each case)
/// and the totals. Default models: models/monobiomech_body.xml and, where ../shared is present, humanoid_torque.xml.
/// `own`: our model only; `realistic`: the realistic presets only; `seed=N`: draw N of subjects, cameras and errors
/// (0, the default, is the acceptance tests' draw). Needs gcc and libmujoco-dev.
/// </summary>
internal static class MonocularAccuracyBenchmark
{
    public static void Run(string[] args)
    {
        if (MujocoOracle.Unavailable is { } reason)
        {
            Console.WriteLine("fit-accuracy-monocular: " + reason);
            return;
        }
        int frames = BenchArguments.FirstPositiveInteger(args, MonocularMotionClip.DefaultFrames);
        int draw = BenchArguments.IntegerOption(args, "seed", 0);
        bool ownOnly = args.Contains("own"), realisticOnly = args.Contains("realistic");
        var models = args.Where(a => a.EndsWith(".xml", StringComparison.OrdinalIgnoreCase)).Select(a => (Label: Path.GetFileNameWithoutExtension(a), Path: Path.GetFullPath(a))).ToList();
        if (models.Count == 0)
        {
            models.Add(("own", Path.Combine(SharedData.RepositoryRoot, "models", "monobiomech_body.xml")));
            if (ownOnly) Console.WriteLine("(own model only)");
            else if (SharedData.Directory is not null) models.Add(("upstream", SharedData.DataFile("humanoid_torque.xml")));
            else Console.WriteLine("(upstream's model skipped: ../shared is absent; set MONOBIOMECH_SHARED to include it)");
        }
        var cases = MonocularBench.Cases.Where(c => !realisticOnly || c.Preset is MonocularPreset.Realistic or MonocularPreset.RealisticHipCentred).ToList();
        Console.WriteLine($"fit-accuracy-monocular: {frames} frames at {MonocularMotionClip.DefaultFramesPerSecond} fps per clip, draw {draw}, {Environment.ProcessorCount} processors");

        var results = new List<MonocularCaseResult>();
        var clock = Stopwatch.StartNew();
        using var oracle = new MujocoOracle();
        foreach ((string label, string path) in models)
        {
            Model model = Model.LoadMjcf(path);
            Console.WriteLine($"\n{label}: {path}\n");
            Console.Write(MonocularBench.TableHeader);
            foreach (MonocularMotion motion in Enum.GetValues<MonocularMotion>())
            {
                MonocularMotionClip clip = MonocularMotionClip.Generate(oracle, path, motion, MonocularBench.ClipSeed(motion, draw), frames);
                foreach ((MonocularView view, MonocularPreset preset) in cases)
                {
                    MonocularCaseResult result = MonocularBench.FitAndMeasure(model, label, MonocularBench.Record(clip, view, preset, draw), preset);
                    results.Add(result);
                    Console.Write(MonocularBench.TableRow(result));
                }
            }
        }
        Console.WriteLine($"\n{results.Count(r => r.MeetsGoals)} of {results.Count} cases meet their goals; fits {results.Sum(r => r.FitSeconds):F0} s, total {clock.Elapsed.TotalSeconds:F0} s");
    }
}
