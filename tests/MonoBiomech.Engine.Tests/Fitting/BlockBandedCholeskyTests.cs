using MathNet.Numerics.LinearAlgebra;
using MonoBiomech.Engine.Fitting;

namespace MonoBiomech.Engine.Tests.Fitting;

public sealed class BlockBandedCholeskyTests
{
    [Theory]
    [InlineData(7, 5, 2)]
    [InlineData(9, 40, 2)]
    [InlineData(6, 3, 1)]
    [InlineData(4, 9, 0)]
    [InlineData(3, 4, 5)]
    [InlineData(16, 5, 2)]  // the smallest split: halves of 7 rows and a separator of 2
    [InlineData(41, 9, 2)]
    [InlineData(20, 6, 1)]
    [InlineData(23, 4, 3)]
    [InlineData(17, 40, 2)]
    public void SolveMatchesMathNetDenseCholesky(int blocks, int size, int bandwidth)
    {
        var random = new Random(blocks * 100 + size);
        int dimension = blocks * size;
        // Random banded B, then A = B·Bᵀ + I is SPD with the same block bandwidth as B·Bᵀ when B has half of it.
        var dense = Matrix<double>.Build.Dense(dimension, dimension);
        int half = (bandwidth * size) / 2 + 1;
        var b = Matrix<double>.Build.Dense(dimension, dimension, (i, j) => Math.Abs(i - j) < half && i / size - j / size <= bandwidth / 2.0 ? random.NextDouble() - 0.5 : 0);
        dense = b * b.Transpose() + Matrix<double>.Build.DenseIdentity(dimension);
        for (int i = 0; i < dimension; i++)
            for (int j = 0; j < dimension; j++)
                if (Math.Abs(i / size - j / size) > bandwidth) dense[i, j] = 0;
        dense = dense + Matrix<double>.Build.DenseIdentity(dimension) * dimension;

        var banded = new BlockBandedCholesky(blocks, size, bandwidth);
        for (int bi = 0; bi < blocks; bi++)
            for (int offset = 0; offset <= Math.Min(bandwidth, bi); offset++)
            {
                Span<double> block = banded.Block(bi, offset);
                for (int r = 0; r < size; r++)
                    for (int c = 0; c < size; c++) block[r * size + c] = dense[bi * size + r, (bi - offset) * size + c];
            }
        Assert.Equal(dense[size, 0], banded[size, 0]);
        Assert.Equal(dense[0, size], banded[0, size]);

        double[] rhs = Enumerable.Range(0, dimension).Select(_ => random.NextDouble() - 0.5).ToArray();
        Vector<double> expected = dense.Cholesky().Solve(Vector<double>.Build.DenseOfArray(rhs));
        Assert.True(banded.Factorize());
        double[] actual = (double[])rhs.Clone();
        banded.Solve(actual);
        for (int i = 0; i < dimension; i++) Assert.Equal(expected[i], actual[i], 1e-10);
    }

    /// <summary>
    /// The fit's shape: dense diagonal blocks, off-diagonal blocks that are diagonal (an acceleration prior on each
    /// coordinate), where the factor skips the zeros of its upper-triangular farthest blocks; split over two threads or
    /// not, with several right-hand sides, the solution is MathNet's and the same to the bit.
    /// </summary>
    [Theory]
    [InlineData(12, 40, 2)]
    [InlineData(8, 17, 2)]
    [InlineData(6, 21, 1)]
    [InlineData(30, 40, 2)]
    [InlineData(25, 17, 1)]
    public void APriorShapedMatrixSolvesAlikeOnOneOrTwoThreads(int blocks, int size, int bandwidth)
    {
        var random = new Random(blocks + size);
        int dimension = blocks * size;
        var dense = Matrix<double>.Build.Dense(dimension, dimension);
        for (int bi = 0; bi < blocks; bi++)
        {
            var b = Matrix<double>.Build.Dense(size, size, (_, _) => random.NextDouble() - 0.5);
            dense.SetSubMatrix(bi * size, bi * size, b * b.Transpose() + Matrix<double>.Build.DenseIdentity(size) * 4 * size);
            for (int offset = 1; offset <= Math.Min(bandwidth, bi); offset++)
                for (int r = 0; r < size; r++)
                    dense[bi * size + r, (bi - offset) * size + r] = dense[(bi - offset) * size + r, bi * size + r] = random.NextDouble() - 0.5;
        }
        double[][] rightHandSides = Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, dimension).Select(_ => random.NextDouble() - 0.5).ToArray()).ToArray();

        double[][] Solve(ParallelOptions? parallel)
        {
            var banded = new BlockBandedCholesky(blocks, size, bandwidth);
            for (int bi = 0; bi < blocks; bi++)
                for (int offset = 0; offset <= Math.Min(bandwidth, bi); offset++)
                {
                    Span<double> block = banded.Block(bi, offset);
                    for (int r = 0; r < size; r++)
                        for (int c = 0; c < size; c++) block[r * size + c] = dense[bi * size + r, (bi - offset) * size + c];
                }
            Assert.True(banded.Factorize(parallel));
            double[][] solutions = rightHandSides.Select(b => (double[])b.Clone()).ToArray();
            banded.Solve(solutions, parallel);
            return solutions;
        }

        double[][] sequential = Solve(null), parallel = Solve(new ParallelOptions { MaxDegreeOfParallelism = 2 });
        var cholesky = dense.Cholesky();
        for (int k = 0; k < rightHandSides.Length; k++)
        {
            Assert.Equal(sequential[k], parallel[k]);
            Vector<double> expected = cholesky.Solve(Vector<double>.Build.DenseOfArray(rightHandSides[k]));
            for (int i = 0; i < dimension; i++) Assert.Equal(expected[i], sequential[k][i], 1e-10);
        }
    }

    [Theory]
    [InlineData(3, 1)]   // one sweep
    [InlineData(20, 3)]  // the first half
    [InlineData(20, 17)] // the second half
    [InlineData(20, 9)]  // the separator
    public void ReportsAMatrixThatIsNotPositiveDefinite(int blocks, int indefiniteBlock)
    {
        var banded = new BlockBandedCholesky(blocks, 2, 1);
        for (int i = 0; i < blocks; i++) { banded.Block(i, 0)[0] = 1; banded.Block(i, 0)[3] = 1; }
        banded.Block(indefiniteBlock, 1)[0] = 2; // |off-diagonal| > diagonal → indefinite
        Assert.False(banded.Factorize(new ParallelOptions { MaxDegreeOfParallelism = 2 }));
    }

    [Fact]
    public void SplitsLongMatricesAtAMiddleSeparator()
    {
        Assert.Equal(0, new BlockBandedCholesky(BlockBandedCholesky.MinimumBlocksToSplit - 1, 3, 2).SeparatorFirstBlock);
        Assert.Equal(49, new BlockBandedCholesky(100, 3, 2).SeparatorFirstBlock);
        Assert.Equal(0, new BlockBandedCholesky(100, 3, 0).SeparatorFirstBlock); // independent blocks: nothing to split
    }
}
