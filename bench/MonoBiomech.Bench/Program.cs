// Entry point of the benchmark runner; each stage adds its benchmark as a named sub-command.
using MonoBiomech.Bench;

try
{
    switch (args.FirstOrDefault())
    {
        case "detection": DetectionBenchmark.Run(args[1..]); break;
        case "kinematics": KinematicsBenchmark.Run(args[1..]); break;
        case "pose": PoseBenchmark.Run(args[1..]); break;
        case "metrabs": MetrabsBenchmark.Run(args[1..]); break;
        case "banded": BandedSolverBenchmark.Run(args[1..]); break;
        case "decode": VideoDecodeBenchmark.Run(args[1..]); break;
        case "fit" when args.Length > 1 && args[1] == "accuracy": FitBenchmark.Accuracy(args[2..]); break;
        case "fit-accuracy-monocular": MonocularAccuracyBenchmark.Run(args[1..]); break;
        case "fit" when args.Length > 1 && args[1] == "sweep": FitBenchmark.Sweep(args[2..]); break;
        case "fit": FitBenchmark.Run(args[1..]); break;
        default: Usage(); break;
    }
}
catch (BenchUsageException e)
{
    Console.Error.WriteLine(e.Message);
    Usage();
    return 2;
}
return 0;

static void Usage()
{
    Console.WriteLine("usage: dotnet run -c Release --project bench/MonoBiomech.Bench -- <benchmark>");
    Console.WriteLine("  detection | kinematics | pose [clips] | metrabs [frames] [long-seconds] | banded [frames] | decode [seconds] [video ...] | fit [accuracy | sweep [clips] [view=degrees]] | fit-accuracy-monocular [model.xml ...] [frames] [own] [realistic] [seed=N]");
}
