// Entry point of the benchmark runner; each stage adds its benchmark as a named sub-command.
switch (args.FirstOrDefault())
{
    case "detection":
        return MonoBiomech.Bench.DetectionBenchmark.Run(args[1..]);
    default:
        Console.WriteLine("usage: dotnet run -c Release --project bench/MonoBiomech.Bench -- <benchmark>");
        Console.WriteLine("benchmarks: detection [clip.mp4] [detector.onnx]");
        return args.Length == 0 ? 0 : 1;
}
