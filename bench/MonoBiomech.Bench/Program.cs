// Entry point of the benchmark runner; each stage adds its benchmark as a named sub-command.
switch (args.FirstOrDefault())
{
    case "fit" when args.Length > 1 && args[1] == "accuracy": MonoBiomech.Bench.FitBenchmark.Accuracy(args[2..]); break;
    case "fit" when args.Length > 1 && args[1] == "sweep": MonoBiomech.Bench.FitBenchmark.Sweep(args[2..]); break;
    case "fit": MonoBiomech.Bench.FitBenchmark.Run(args[1..]); break;
    default: Console.WriteLine("usage: dotnet run -c Release --project bench/MonoBiomech.Bench -- <benchmark>   (benchmarks: fit)"); break;
}
