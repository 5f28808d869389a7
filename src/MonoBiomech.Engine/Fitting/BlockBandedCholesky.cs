using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.InteropServices;

namespace MonoBiomech.Engine.Fitting;

/// <summary>
/// A symmetric positive-definite matrix of <see cref="BlockCount"/> x <see cref="BlockCount"/> square blocks of size
/// <see cref="BlockSize"/>, non-zero only within <see cref="Bandwidth"/> blocks of the diagonal, with an in-place
/// Cholesky factorisation L·Lᵀ and solves. MathNet has no banded solver; the per-frame normal equations of a trajectory
/// with a k-th order difference prior are exactly this shape (bandwidth k), so factorisation costs O(N·w²·b³), linear in
/// the number of frames, instead of O((N·b)³).
/// </summary>
/// <remarks>
/// Storage: the lower blocks (i, i−k), k = 0..w, each row-major, so every kernel is a dot product of contiguous rows
/// (vectorised with <see cref="Vector{T}"/>). The farthest blocks (i, i−w) are not updated by the factorisation, so a
/// row's leading zeros in A stay zero in L: a difference prior's diagonal couplings give upper-triangular L blocks, and
/// the products with them skip those zeros (a third less work for bandwidth 2).
/// </remarks>
internal sealed class BlockBandedCholesky
{
    /// <summary>Blocks smaller than this are not worth a second thread for the right-hand sides.</summary>
    private const int MinimumBlockSizeToSplit = 16;

    private readonly double[] data;
    private readonly int[] rowStarts; // [block row, offset, row] first column where L's row can be non-zero

    public BlockBandedCholesky(int blockCount, int blockSize, int bandwidth)
    {
        if (blockCount < 1 || blockSize < 1 || bandwidth < 0) throw new ArgumentOutOfRangeException(nameof(blockCount));
        BlockCount = blockCount;
        BlockSize = blockSize;
        Bandwidth = bandwidth;
        data = new double[(long)blockCount * (bandwidth + 1) * blockSize * blockSize];
        rowStarts = new int[blockCount * (bandwidth + 1) * blockSize];
    }

    public int BlockCount { get; }
    public int BlockSize { get; }
    public int Bandwidth { get; }
    public int Dimension => BlockCount * BlockSize;

    /// <summary>Block (row, row − offset) of the lower triangle, row-major; offset 0 is the diagonal block (keep it symmetric).</summary>
    public Span<double> Block(int row, int offset)
    {
        if ((uint)offset > (uint)Bandwidth || offset > row) throw new ArgumentOutOfRangeException(nameof(offset));
        int n2 = BlockSize * BlockSize;
        return data.AsSpan(((row * (Bandwidth + 1)) + offset) * n2, n2);
    }

    public void Clear() => Array.Clear(data);

    private Span<int> RowStarts(int row, int offset) => rowStarts.AsSpan(((row * (Bandwidth + 1)) + offset) * BlockSize, BlockSize);

    private bool SplitsWork(ParallelOptions? parallel) =>
        parallel is not null && parallel.MaxDegreeOfParallelism != 1 && Environment.ProcessorCount > 1 && BlockSize >= MinimumBlockSizeToSplit;

    /// <summary>Element (i, j) of the full symmetric matrix (zero outside the band); for tests and diagnostics.</summary>
    public double this[int i, int j]
    {
        get
        {
            if (j > i) (i, j) = (j, i);
            int bi = i / BlockSize, bj = j / BlockSize, offset = bi - bj;
            if (offset > Bandwidth) return 0;
            return Block(bi, offset)[(i % BlockSize) * BlockSize + j % BlockSize];
        }
    }

    /// <summary>
    /// Replaces the matrix by its Cholesky factor. Returns false (matrix left partly overwritten) if it is not positive
    /// definite. Sequential: sharing each block row between two threads was measured slower (waking a second thread per
    /// block row costs more than half a row's work).
    /// </summary>
    public bool Factorize()
    {
        int n = BlockSize;
        for (int i = 0; i < BlockCount; i++)
        {
            FactorOffDiagonalBlocks(i);
            UpdateDiagonalBlock(i);
            if (!DenseCholesky(Block(i, 0), n)) return false;
        }
        return true;
    }

    /// <summary>The off-diagonal blocks L(i, j) of block row i, j from the farthest to the nearest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FactorOffDiagonalBlocks(int i)
    {
        int n = BlockSize, firstShared = Math.Max(0, i - Bandwidth);
        for (int offset = Math.Min(Bandwidth, i); offset >= 1; offset--)
        {
            int j = i - offset;
            Span<double> lij = Block(i, offset);
            Span<int> starts = RowStarts(i, offset);
            // A block no update reaches keeps A's leading zeros in L; one that is updated is taken as dense.
            bool updated = firstShared < j;
            for (int r = 0; r < n; r++) starts[r] = updated ? 0 : LeadingZeros(lij.Slice(r * n, n));
            // A(i,j) − Σ_m L(i,m)·L(j,m)ᵀ over the blocks m both rows share.
            for (int m = firstShared; m < j; m++)
                SubtractProductTransposed(lij, Block(i, i - m), RowStarts(i, i - m), Block(j, j - m), RowStarts(j, j - m), n, lowerOnly: false);
            // L(i,j) = that · L(j,j)⁻ᵀ: each row x solves L(j,j)·xᵀ = rowᵀ.
            ReadOnlySpan<double> ljj = Block(j, 0);
            for (int r = 0; r < n; r++)
                ForwardSubstitute(ljj, lij.Slice(r * n, n), n, starts[r]);
        }
    }

    /// <summary>A(i,i) − Σ_m L(i,m)·L(i,m)ᵀ (lower triangle), before the diagonal block's own factorisation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void UpdateDiagonalBlock(int i)
    {
        Span<double> lii = Block(i, 0);
        for (int m = Math.Max(0, i - Bandwidth); m < i; m++)
        {
            ReadOnlySpan<double> lim = Block(i, i - m);
            ReadOnlySpan<int> starts = RowStarts(i, i - m);
            SubtractProductTransposed(lii, lim, starts, lim, starts, BlockSize, lowerOnly: true);
        }
    }

    /// <summary>Solves A·x = b in place with the factor from <see cref="Factorize"/>.</summary>
    public void Solve(Span<double> rhs)
    {
        if (rhs.Length != Dimension) throw new ArgumentException($"Expected {Dimension} values.", nameof(rhs));
        double[] copy = rhs.ToArray();
        SolveBlocks(new[] { copy });
        copy.CopyTo(rhs);
    }

    /// <summary>
    /// Solves A·xₖ = bₖ in place for several right-hand sides, sweeping the factor once for all of them (the factor of a
    /// long video is far larger than the caches, so one sweep instead of one per right-hand side matters); with
    /// <paramref name="parallel"/>, two threads sweep it, each for half of the right-hand sides.
    /// </summary>
    public void Solve(IReadOnlyList<double[]> rightHandSides, ParallelOptions? parallel = null)
    {
        foreach (double[] rhs in rightHandSides)
            if (rhs.Length != Dimension) throw new ArgumentException($"Expected {Dimension} values.", nameof(rightHandSides));
        int count = rightHandSides.Count;
        if (count < 2 || !SplitsWork(parallel))
        {
            SolveBlocks(rightHandSides);
            return;
        }
        double[][][] halves = { rightHandSides.Take(count / 2).ToArray(), rightHandSides.Skip(count / 2).ToArray() };
        Parallel.For(0, 2, parallel!, half => SolveBlocks(halves[half]));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SolveBlocks(IReadOnlyList<double[]> rightHandSides)
    {
        int n = BlockSize, count = rightHandSides.Count;
        // L·y = b
        for (int i = 0; i < BlockCount; i++)
        {
            for (int k = 0; k < count; k++)
            {
                Span<double> rhs = rightHandSides[k];
                Span<double> yi = rhs.Slice(i * n, n);
                for (int m = Math.Max(0, i - Bandwidth); m < i; m++)
                {
                    ReadOnlySpan<double> lim = Block(i, i - m), ym = rhs.Slice(m * n, n);
                    for (int r = 0; r < n; r++) yi[r] -= Dot(lim.Slice(r * n, n), ym);
                }
                ForwardSubstitute(Block(i, 0), yi, n);
            }
        }
        // Lᵀ·x = y
        for (int i = BlockCount - 1; i >= 0; i--)
        {
            ReadOnlySpan<double> lii = Block(i, 0);
            for (int k = 0; k < count; k++)
            {
                Span<double> rhs = rightHandSides[k];
                Span<double> xi = rhs.Slice(i * n, n);
                for (int r = n - 1; r >= 0; r--)
                {
                    double v = xi[r];
                    for (int c = r + 1; c < n; c++) v -= lii[c * n + r] * xi[c];
                    xi[r] = v / lii[r * n + r];
                }
                // Subtract L(i,m)ᵀ·x_i from the earlier blocks once x_i is final.
                for (int m = Math.Max(0, i - Bandwidth); m < i; m++)
                {
                    ReadOnlySpan<double> lim = Block(i, i - m);
                    Span<double> ym = rhs.Slice(m * n, n);
                    for (int r = 0; r < n; r++)
                    {
                        double xr = xi[r];
                        if (xr == 0) continue;
                        ReadOnlySpan<double> row = lim.Slice(r * n, n);
                        for (int c = 0; c < n; c++) ym[c] -= row[c] * xr;
                    }
                }
            }
        }
    }

    /// <summary>
    /// C −= A·Bᵀ for row-major n x n blocks (only the lower triangle when <paramref name="lowerOnly"/>: the factorisation never reads the upper one), the dot products starting
    /// where the rows' leading zeros end. Two rows of A against two rows of B at a time: four dot products share each load.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SubtractProductTransposed(Span<double> c, ReadOnlySpan<double> a, ReadOnlySpan<int> aStarts, ReadOnlySpan<double> b,
        ReadOnlySpan<int> bStarts, int n, bool lowerOnly)
    {
        int r = 0;
        for (; r + 1 < n; r += 2)
        {
            ReadOnlySpan<double> a0 = a.Slice(r * n, n), a1 = a.Slice((r + 1) * n, n);
            int aStart = Math.Min(aStarts[r], aStarts[r + 1]);
            int sEnd = lowerOnly ? r + 2 : n, s = 0;
            for (; s + 1 < sEnd; s += 2)
            {
                int k = Math.Max(aStart, Math.Min(bStarts[s], bStarts[s + 1]));
                if (k >= n) continue;
                Dot2x2(a0[k..], a1[k..], b.Slice(s * n + k, n - k), b.Slice((s + 1) * n + k, n - k), out double d00, out double d01, out double d10, out double d11);
                c[r * n + s] -= d00; c[r * n + s + 1] -= d01;
                c[(r + 1) * n + s] -= d10; c[(r + 1) * n + s + 1] -= d11;
            }
            for (; s < sEnd; s++)
            {
                int k = Math.Max(aStart, bStarts[s]);
                ReadOnlySpan<double> bs = b.Slice(s * n + k, n - k);
                c[r * n + s] -= Dot(a0[k..], bs);
                c[(r + 1) * n + s] -= Dot(a1[k..], bs);
            }
        }
        for (; r < n; r++)
        {
            ReadOnlySpan<double> ar = a.Slice(r * n, n);
            int sEnd = lowerOnly ? r + 1 : n;
            for (int s = 0; s < sEnd; s++)
            {
                int k = Math.Max(aStarts[r], bStarts[s]);
                c[r * n + s] -= Dot(ar[k..], b.Slice(s * n + k, n - k));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot2x2(ReadOnlySpan<double> a0, ReadOnlySpan<double> a1, ReadOnlySpan<double> b0, ReadOnlySpan<double> b1,
        out double d00, out double d01, out double d10, out double d11)
    {
        int length = a0.Length, i = 0;
        d00 = d01 = d10 = d11 = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<double>.Count)
        {
            ReadOnlySpan<Vector<double>> va0 = MemoryMarshal.Cast<double, Vector<double>>(a0), va1 = MemoryMarshal.Cast<double, Vector<double>>(a1);
            ReadOnlySpan<Vector<double>> vb0 = MemoryMarshal.Cast<double, Vector<double>>(b0), vb1 = MemoryMarshal.Cast<double, Vector<double>>(b1);
            Vector<double> s00 = Vector<double>.Zero, s01 = s00, s10 = s00, s11 = s00;
            for (int k = 0; k < va0.Length; k++)
            {
                Vector<double> x0 = va0[k], x1 = va1[k], y0 = vb0[k], y1 = vb1[k];
                s00 += x0 * y0; s01 += x0 * y1; s10 += x1 * y0; s11 += x1 * y1;
            }
            d00 = Vector.Sum(s00); d01 = Vector.Sum(s01); d10 = Vector.Sum(s10); d11 = Vector.Sum(s11);
            i = va0.Length * Vector<double>.Count;
        }
        for (; i < length; i++)
        {
            d00 += a0[i] * b0[i]; d01 += a0[i] * b1[i]; d10 += a1[i] * b0[i]; d11 += a1[i] * b1[i];
        }
    }

    /// <summary>In-place lower Cholesky of a dense row-major block; zeroes the strict upper triangle.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool DenseCholesky(Span<double> a, int n)
    {
        for (int j = 0; j < n; j++)
        {
            ReadOnlySpan<double> rowJ = a.Slice(j * n, j);
            double d = a[j * n + j] - Dot(rowJ, rowJ);
            if (!(d > 0)) return false;
            double ljj = Math.Sqrt(d);
            a[j * n + j] = ljj;
            for (int i = j + 1; i < n; i++)
                a[i * n + j] = (a[i * n + j] - Dot(a.Slice(i * n, j), rowJ)) / ljj;
            a.Slice(j * n + j + 1, n - j - 1).Clear();
        }
        return true;
    }

    /// <summary>Solves L·x = b in place for a lower-triangular row-major block L; b (and so x) is zero before <paramref name="start"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardSubstitute(ReadOnlySpan<double> l, Span<double> x, int n, int start = 0)
    {
        for (int r = start; r < n; r++)
            x[r] = (x[r] - Dot(l.Slice(r * n + start, r - start), x[start..r])) / l[r * n + r];
    }

    /// <summary>Index of the first non-zero value, or the length.</summary>
    private static int LeadingZeros(ReadOnlySpan<double> row)
    {
        int i = 0;
        while (i < row.Length && row[i] == 0) i++;
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int length = a.Length, i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<double>.Count * 2)
        {
            ReadOnlySpan<Vector<double>> va = MemoryMarshal.Cast<double, Vector<double>>(a);
            ReadOnlySpan<Vector<double>> vb = MemoryMarshal.Cast<double, Vector<double>>(b[..length]);
            Vector<double> acc = Vector<double>.Zero;
            for (int k = 0; k < va.Length; k++) acc += va[k] * vb[k];
            sum = Vector.Sum(acc);
            i = va.Length * Vector<double>.Count;
        }
        for (; i < length; i++) sum += a[i] * b[i];
        return sum;
    }
}
