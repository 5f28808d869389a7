using System.Diagnostics;
using MonoBiomech.Engine.BodyModels;

namespace MonoBiomech.Bench;

/// <summary>
/// Times Forward plus the coordinate and scale Jacobians of every site on random poses: the inner loop of the fitter
/// (about 300 frames x 30 iterations per fit). Usage: kinematics [model.xml] (default: models/monobiomech_body.xml).
/// </summary>
internal static class KinematicsBenchmark
{
    public static void Run(string[] args)
    {
        string path = args.Length > 0 ? args[0] : Path.Combine(FindRepositoryRoot(), "models", "monobiomech_body.xml");
        BodyModel model = BodyModel.LoadMjcf(path);
        var workspace = new KinematicsWorkspace(model);
        var random = new Random(1);
        const int poseCount = 64;
        double[][] poses = Enumerable.Range(0, poseCount)
            .Select(_ => Enumerable.Range(0, model.CoordinateCount).Select(_ => random.NextDouble() - 0.5).ToArray()).ToArray();
        double[] beta = Enumerable.Range(0, model.ScaleGroupCount).Select(_ => 0.05 * (random.NextDouble() - 0.5)).ToArray();
        double[] offsets = new double[model.SiteCount * 3];
        double[] jacobianQ = new double[3 * model.CoordinateCount], jacobianBeta = new double[3 * model.ScaleGroupCount];

        double sink = 0;
        void Forward(int i) => Kinematics.Forward(model, poses[i % poseCount], beta, offsets, workspace);
        void ForwardAndJacobians(int i)
        {
            Forward(i);
            for (int j = 0; j < model.SiteCount; j++)
            {
                Kinematics.SiteJacobianCoordinates(model, workspace, j, jacobianQ);
                Kinematics.SiteJacobianScales(model, workspace, j, jacobianBeta);
                sink += jacobianQ[j % jacobianQ.Length] + jacobianBeta[0];
            }
        }

        void ForwardAndCompactJacobians(int i)
        {
            Forward(i);
            for (int j = 0; j < model.SiteCount; j++)
            {
                Kinematics.SiteJacobianCoordinatesCompact(model, workspace, j, jacobianQ);
                Kinematics.SiteJacobianScales(model, workspace, j, jacobianBeta);
                sink += jacobianQ[0] + jacobianBeta[0];
            }
        }

        Console.WriteLine($"model {model.Name} ({path}): {model.BodyCount} bodies, {model.CoordinateCount} coordinates, {model.SiteCount} sites, {model.ScaleGroupCount} scale groups");
        double forwardNs = Time(Forward, 200_000);
        double allNs = Time(ForwardAndJacobians, 50_000);
        double compactNs = Time(ForwardAndCompactJacobians, 50_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) ForwardAndJacobians(i);
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Console.WriteLine($"Forward:                               {forwardNs,9:F0} ns");
        Console.WriteLine($"Forward + all site Jacobians (q, beta): {allNs,9:F0} ns  ({allNs / model.SiteCount:F0} ns per site)");
        Console.WriteLine($"Forward + compact site Jacobians:       {compactNs,9:F0} ns  (only the columns of CoordinatesMovingSite)");
        Console.WriteLine($"one fit's worth (300 frames x 30 iterations): {allNs * 300 * 30 / 1e6:F1} ms on one core");
        Console.WriteLine($"bytes allocated in 10 000 evaluations: {allocated}  (checksum {sink:E3})");
    }

    private static double Time(Action<int> action, int iterations)
    {
        for (int i = 0; i < iterations / 10; i++) action(i);   // JIT warm-up (tiered compilation)
        double best = double.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < iterations; i++) action(i);
            best = Math.Min(best, watch.Elapsed.TotalNanoseconds / iterations);
        }
        return best;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MonoBiomech.slnx"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
