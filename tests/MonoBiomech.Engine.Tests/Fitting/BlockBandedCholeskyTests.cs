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

    [Fact]
    public void ReportsAMatrixThatIsNotPositiveDefinite()
    {
        var banded = new BlockBandedCholesky(3, 2, 1);
        for (int i = 0; i < 3; i++) { banded.Block(i, 0)[0] = 1; banded.Block(i, 0)[3] = 1; }
        banded.Block(1, 1)[0] = 2; // |off-diagonal| > diagonal → indefinite
        Assert.False(banded.Factorize());
    }
}
