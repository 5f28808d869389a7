// Entry point of the benchmark runner; each stage adds its benchmark as a named sub-command.
using MonoBiomech.Bench;

switch (args.FirstOrDefault())
{
    case "detection": DetectionBenchmark.Run(args[1..]); break;
    case "kinematics": KinematicsBenchmark.Run(args[1..]); break;
    default: Console.WriteLine("usage: dotnet run -c Release --project bench/MonoBiomech.Bench -- <benchmark>   (detection, kinematics)"); break;
}
