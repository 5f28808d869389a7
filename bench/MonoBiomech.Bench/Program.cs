// Entry point of the benchmark runner; each stage adds its benchmark as a named sub-command.
Console.WriteLine("usage: dotnet run -c Release --project bench/MonoBiomech.Bench -- <benchmark>");
