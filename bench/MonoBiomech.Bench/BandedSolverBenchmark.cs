using System.Diagnostics;
using MonoBiomech.Engine.Fitting;

namespace MonoBiomech.Bench;

/// <summary>
/// `banded [frames]`: the fit's block-banded Cholesky on its shape (40 coordinates a frame, bandwidth 2, diagonal
/// temporal couplings; 300 frames by default): factorisation and a solve of 15 right-hand sides (y and the scale
/// columns), on one thread and on two, best of 15 rounds of 5.
/// </summary>
internal static class BandedSolverBenchmark
{
    private const int BlockSize = 40, Bandwidth = 2, RightHandSides = 15, Rounds = 15, RunsPerRound = 5;

    public static void Run(string[] args)
    {
        int frames = BenchArguments.FirstPositiveInteger(args, 300);
        var random = new Random(1);
        var diagonalBlocks = Enumerable.Range(0, frames).Select(_ => RandomSpdBlock(random)).ToArray();
        var matrix = new BlockBandedCholesky(frames, BlockSize, Bandwidth);
        void Fill()
        {
            matrix.Clear();
            for (int t = 0; t < frames; t++)
            {
                diagonalBlocks[t].CopyTo(matrix.Block(t, 0));
                for (int offset = 1; offset <= Math.Min(Bandwidth, t); offset++)
                {
                    Span<double> coupling = matrix.Block(t, offset);
                    for (int d = 0; d < BlockSize; d++) coupling[d * BlockSize + d] = -0.3 * BlockSize;
                }
            }
        }
        double[][] original = Enumerable.Range(0, RightHandSides).Select(_ => Enumerable.Range(0, frames * BlockSize).Select(_ => random.NextDouble() - 0.5).ToArray()).ToArray();
        double[][] work = original.Select(b => (double[])b.Clone()).ToArray();
        var one = new ParallelOptions { MaxDegreeOfParallelism = 1 };
        var all = new ParallelOptions();
        double Best(Action action)
        {
            double best = double.MaxValue;
            for (int round = 0; round < Rounds; round++)
            {
                var clock = Stopwatch.StartNew();
                for (int run = 0; run < RunsPerRound; run++) action();
                best = Math.Min(best, clock.Elapsed.TotalMilliseconds / RunsPerRound);
            }
            return best;
        }
        double fill = Best(Fill);
        double factorOne = Best(() => { Fill(); matrix.Factorize(one); }) - fill;
        double factorAll = Best(() => { Fill(); matrix.Factorize(all); }) - fill;
        void Reset() { for (int k = 0; k < RightHandSides; k++) original[k].CopyTo(work[k], 0); }
        double reset = Best(Reset);
        double solveOne = Best(() => { Reset(); matrix.Solve(work, one); }) - reset;
        double solveAll = Best(() => { Reset(); matrix.Solve(work, all); }) - reset;
        Console.WriteLine($"banded Cholesky, {frames} frames x {BlockSize} coordinates, bandwidth {Bandwidth}, {Environment.ProcessorCount} processors" +
            (matrix.SeparatorFirstBlock > 0 ? $" (split at frame {matrix.SeparatorFirstBlock})" : " (one sweep)") + ":");
        Console.WriteLine($"  factorisation {factorOne:F2} ms on one thread, {factorAll:F2} ms on {Environment.ProcessorCount} (x{factorOne / factorAll:F2}); " +
            $"solve of {RightHandSides} right-hand sides {solveOne:F2} ms on one thread, {solveAll:F2} ms on {Environment.ProcessorCount} (x{solveOne / solveAll:F2})");
    }

    // B·Bᵀ + 4n·I: well conditioned, as a damped Gauss-Newton block is.
    private static double[] RandomSpdBlock(Random random)
    {
        var b = Enumerable.Range(0, BlockSize * BlockSize).Select(_ => random.NextDouble() - 0.5).ToArray();
        var block = new double[BlockSize * BlockSize];
        for (int r = 0; r < BlockSize; r++)
            for (int c = 0; c < BlockSize; c++)
            {
                double sum = r == c ? 4 * BlockSize : 0;
                for (int k = 0; k < BlockSize; k++) sum += b[r * BlockSize + k] * b[c * BlockSize + k];
                block[r * BlockSize + c] = sum;
            }
        return block;
    }
}
