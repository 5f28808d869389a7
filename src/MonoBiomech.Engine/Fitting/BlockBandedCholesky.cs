using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.InteropServices;

namespace MonoBiomech.Engine.Fitting;

/// <summary>
/// A symmetric positive-definite matrix of <see cref="BlockCount"/> x <see cref="BlockCount"/> square blocks of size
/// <see cref="BlockSize"/>, non-zero only within <see cref="Bandwidth"/> blocks of the diagonal, with an in-place
/// Cholesky factorisation and solves. MathNet has no banded solver; the per-frame normal equations of a trajectory
/// with a k-th order difference prior are exactly this shape (bandwidth k), so factorisation costs O(N·w²·b³), linear in
/// the number of frames, instead of O((N·b)³).
/// </summary>
/// <remarks>
/// Storage: the lower blocks (i, i−k), k = 0..w, each row-major. The farthest blocks (i, i−w) are not updated by the
/// factorisation, so a row's leading zeros in A stay zero in L: a difference prior's diagonal couplings give
/// upper-triangular L blocks, and the products with them skip those zeros.
/// <para>
/// A matrix of <see cref="MinimumBlocksToSplit"/> blocks or more is factorised in two halves that are independent
/// given a separator of w block rows in the middle (nested dissection with one level): the first half from the top,
/// the second from the bottom (the matrix reversed), then the separator's Schur complement. The halves are as much
/// work as each other and run on two threads when allowed; the arithmetic is the same on one thread, so the result is
/// the same to the bit at any thread count.
/// </para>
/// </remarks>
internal sealed class BlockBandedCholesky
{
    /// <summary>Below this many blocks the matrix is factorised in one sweep: the halves would be too small to be worth a second thread.</summary>
    internal const int MinimumBlocksToSplit = 16;

    private readonly double[] data;   // [block row, offset, n, n] in frame order as filled; after a split factorisation, the second half's blocks transposed
    private readonly int[] rowStarts; // [block row, offset, row] first column where L's row can be non-zero
    private readonly Band whole;      // unsplit: every row from the top
    private readonly Band? top, bottom, separator; // split: rows [0, h + w) from the top, [h, N) from the bottom, rows [h, h + w)

    public BlockBandedCholesky(int blockCount, int blockSize, int bandwidth)
    {
        if (blockCount < 1 || blockSize < 1 || bandwidth < 0) throw new ArgumentOutOfRangeException(nameof(blockCount));
        BlockCount = blockCount;
        BlockSize = blockSize;
        Bandwidth = bandwidth;
        data = new double[(long)blockCount * (bandwidth + 1) * blockSize * blockSize];
        rowStarts = new int[blockCount * (bandwidth + 1) * blockSize];
        whole = Band.FromTop(data, rowStarts, 0, blockCount, blockCount, blockSize, bandwidth);
        if (bandwidth == 0 || blockCount < MinimumBlocksToSplit) return;
        SeparatorFirstBlock = (blockCount - bandwidth) / 2;
        int h = SeparatorFirstBlock;
        top = Band.FromTop(data, rowStarts, 0, h + bandwidth, h, blockSize, bandwidth);
        bottom = Band.FromBottom(data, rowStarts, blockCount, blockCount - h, blockCount - h - bandwidth, blockSize, bandwidth);
        int separatorBlocks = bandwidth * (bandwidth + 1);
        separator = Band.FromTop(new double[separatorBlocks * blockSize * blockSize], new int[separatorBlocks * blockSize], h, bandwidth, bandwidth,
            blockSize, bandwidth);
    }

    public int BlockCount { get; }
    public int BlockSize { get; }
    public int Bandwidth { get; }
    public int Dimension => BlockCount * BlockSize;

    /// <summary>First block row of the separator (h) when the factorisation is split; 0 otherwise.</summary>
    internal int SeparatorFirstBlock { get; }

    /// <summary>Block (row, row − offset) of the lower triangle, row-major; offset 0 is the diagonal block (keep it symmetric).</summary>
    public Span<double> Block(int row, int offset)
    {
        if ((uint)offset > (uint)Bandwidth || offset > row) throw new ArgumentOutOfRangeException(nameof(offset));
        int n2 = BlockSize * BlockSize;
        return data.AsSpan(((row * (Bandwidth + 1)) + offset) * n2, n2);
    }

    public void Clear() => Array.Clear(data);

    /// <summary>Element (i, j) of the full symmetric matrix (zero outside the band), before factorisation; for tests and diagnostics.</summary>
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
    /// Replaces the matrix by its Cholesky factor (after a split, the halves' factors and the separator's). Returns false
    /// (matrix left partly overwritten) if it is not positive definite. With <paramref name="parallel"/> allowing two
    /// threads, the halves are factorised at once.
    /// </summary>
    public bool Factorize(ParallelOptions? parallel = null)
    {
        if (top is null || bottom is null || separator is null) return whole.Factorize();
        int n = BlockSize, w = Bandwidth, h = SeparatorFirstBlock;
        // The second half is read from the bottom: its blocks (i, i − k) become (i − k, i)ᵀ of the reversed matrix.
        for (int row = h + w; row < BlockCount; row++)
            for (int offset = 1; offset <= w; offset++) TransposeInPlace(Block(row, offset), n);
        bottom.ClearSeparatorBlocks();
        bool topOk = true, bottomOk = true;
        Run(parallel, () => topOk = top.Factorize(), () => bottomOk = bottom.Factorize());
        if (!topOk || !bottomOk) return false;
        // The separator's Schur complement: A_SS less both halves' updates (the second half's in reversed order).
        for (int r = 0; r < w; r++)
            for (int offset = 0; offset <= r; offset++)
            {
                Span<double> target = separator.Block(r, offset);
                top.Block(h + r, offset).CopyTo(target);
                ReadOnlySpan<double> fromBottom = bottom.Block(BlockCount - 1 - h - r + offset, offset);
                if (offset == 0)
                    for (int e = 0; e < target.Length; e++) target[e] += fromBottom[e]; // symmetric; only the lower triangle is read
                else
                    for (int a = 0; a < n; a++)
                        for (int b = 0; b < n; b++) target[a * n + b] += fromBottom[b * n + a];
            }
        return separator.Factorize();
    }

    /// <summary>Solves A·x = b in place with the factor from <see cref="Factorize"/>.</summary>
    public void Solve(Span<double> rhs)
    {
        if (rhs.Length != Dimension) throw new ArgumentException($"Expected {Dimension} values.", nameof(rhs));
        double[] copy = rhs.ToArray();
        Solve(new[] { copy });
        copy.CopyTo(rhs);
    }

    /// <summary>
    /// Solves A·xₖ = bₖ in place for several right-hand sides, sweeping the factor once for all of them (the factor of a
    /// long video is far larger than the caches, so one sweep instead of one per right-hand side matters); after a
    /// split factorisation, with <paramref name="parallel"/> allowing two threads, the halves are swept at once.
    /// </summary>
    public void Solve(IReadOnlyList<double[]> rightHandSides, ParallelOptions? parallel = null)
    {
        foreach (double[] rhs in rightHandSides)
            if (rhs.Length != Dimension) throw new ArgumentException($"Expected {Dimension} values.", nameof(rightHandSides));
        if (top is null || bottom is null || separator is null)
        {
            whole.Forward(rightHandSides);
            whole.Backward(rightHandSides);
            return;
        }
        int n = BlockSize, w = Bandwidth, h = SeparatorFirstBlock;
        // The second half's share of the separator's right-hand side, apart, since both halves update it at once.
        double[][] bottomShare = rightHandSides.Select(_ => new double[w * n]).ToArray();
        bottom.SeparatorRightHandSides = bottomShare;
        Run(parallel, () => top.Forward(rightHandSides), () => bottom.Forward(rightHandSides));
        for (int k = 0; k < rightHandSides.Count; k++)
            for (int r = 0; r < w; r++)
            {
                // the second half's separator row r holds frame N − 1 − (N − h − w + r)
                Span<double> target = rightHandSides[k].AsSpan((h + w - 1 - r) * n, n);
                ReadOnlySpan<double> share = bottomShare[k].AsSpan(r * n, n);
                for (int e = 0; e < n; e++) target[e] += share[e];
            }
        separator.Forward(rightHandSides);
        separator.Backward(rightHandSides);
        for (int k = 0; k < rightHandSides.Count; k++)
            for (int r = 0; r < w; r++) rightHandSides[k].AsSpan((h + w - 1 - r) * n, n).CopyTo(bottomShare[k].AsSpan(r * n, n));
        Run(parallel, () => top.Backward(rightHandSides), () => bottom.Backward(rightHandSides));
    }

    private static void Run(ParallelOptions? parallel, Action first, Action second)
    {
        if (parallel is not null && parallel.MaxDegreeOfParallelism != 1 && Environment.ProcessorCount > 1) Parallel.Invoke(parallel, first, second);
        else
        {
            first();
            second();
        }
    }

    /// <summary>
    /// Block rows of the matrix in one direction: the first <see cref="Leading"/> are factorised; the rest (a separator)
    /// only receive the factorised rows' updates (their off-diagonal blocks towards factorised rows are finished). From
    /// the bottom, row p is frame N − 1 − p, and block (p, p − k) is the transposed block (N − 1 − p + k, k) of the
    /// matrix; the separator's own blocks and right-hand-side rows live apart, since the top half updates the matrix's.
    /// </summary>
    private sealed class Band
    {
        private readonly double[] data, separatorData;
        private readonly int[] starts, separatorStarts;
        private readonly int firstFrame, frameCount, n, w;
        private readonly bool fromBottom;
        private readonly double[] transposed;       // [n, n] scratch
        private readonly double[][] rowTransposes;  // [offset − 1][n, n] L(i, i − offset)ᵀ of the row being factorised

        private Band(double[] data, int[] starts, int firstFrame, int frameCount, int rows, int leading, int n, int w, bool fromBottom)
        {
            this.data = data;
            this.starts = starts;
            this.firstFrame = firstFrame;
            this.frameCount = frameCount;
            Rows = rows;
            Leading = leading;
            this.n = n;
            this.w = w;
            this.fromBottom = fromBottom;
            transposed = new double[n * n];
            rowTransposes = Enumerable.Range(0, w).Select(_ => new double[n * n]).ToArray();
            int separatorBlocks = fromBottom ? (rows - leading) * (w + 1) : 0;
            separatorData = new double[separatorBlocks * n * n];
            separatorStarts = new int[separatorBlocks * n];
        }

        public int Rows { get; }
        public int Leading { get; }

        /// <summary>From the bottom: [rhs][separator row, n], the separator's right-hand-side rows (in this band's order).</summary>
        public double[][] SeparatorRightHandSides { get; set; } = Array.Empty<double[]>();

        public static Band FromTop(double[] data, int[] starts, int firstFrame, int rows, int leading, int n, int w) =>
            new(data, starts, firstFrame, 0, rows, leading, n, w, fromBottom: false);

        public static Band FromBottom(double[] data, int[] starts, int frameCount, int rows, int leading, int n, int w) =>
            new(data, starts, 0, frameCount, rows, leading, n, w, fromBottom: true);

        public void ClearSeparatorBlocks() => Array.Clear(separatorData);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private bool InSeparator(int row, int offset) => fromBottom && row - offset >= Leading;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int Slot(int row, int offset) => InSeparator(row, offset)
            ? (row - Leading) * (w + 1) + offset
            : fromBottom ? (frameCount - 1 - row + offset) * (w + 1) + offset : row * (w + 1) + offset;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Span<double> Block(int row, int offset) =>
            (InSeparator(row, offset) ? separatorData : data).AsSpan(Slot(row, offset) * n * n, n * n);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Span<int> Starts(int row, int offset) =>
            (InSeparator(row, offset) ? separatorStarts : starts).AsSpan(Slot(row, offset) * n, n);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Span<double> RhsRow(double[] rhs, int k, int row) =>
            fromBottom && row >= Leading ? SeparatorRightHandSides[k].AsSpan((row - Leading) * n, n)
            : rhs.AsSpan((fromBottom ? frameCount - 1 - row : firstFrame + row) * n, n);

        /// <summary>Factorises the leading rows and updates the rest; false if a leading diagonal block is not positive definite.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Factorize()
        {
            for (int i = 0; i < Rows; i++)
            {
                int firstShared = Math.Max(0, i - w);
                // The off-diagonal blocks L(i, j), j from the farthest to the nearest.
                for (int offset = Math.Min(w, i); offset >= 1; offset--)
                {
                    int j = i - offset;
                    Span<double> lij = Block(i, offset);
                    bool finished = j < Leading;
                    if (finished)
                    {
                        // A block no update reaches keeps A's leading zeros in L; one that is updated is taken as dense.
                        Span<int> rowStarts = Starts(i, offset);
                        bool updated = firstShared < j;
                        for (int r = 0; r < n; r++) rowStarts[r] = updated ? 0 : LeadingZeros(lij.Slice(r * n, n));
                    }
                    // A(i,j) − Σ_m L(i,m)·L(j,m)ᵀ over the factorised blocks m both rows share.
                    for (int m = firstShared; m < Math.Min(j, Leading); m++)
                    {
                        Transpose(Block(j, j - m), transposed, n);
                        SubtractProduct(lij, Block(i, i - m), Starts(i, i - m), transposed, n, lowerOnly: false);
                    }
                    if (!finished) continue;
                    // L(i,j) = that · L(j,j)⁻ᵀ, i.e. L(i,j)ᵀ = L(j,j)⁻¹ · thatᵀ: forward substitution on the rows of the
                    // transpose, which is kept for the diagonal block's update below.
                    double[] lijTransposed = rowTransposes[offset - 1];
                    Transpose(lij, lijTransposed, n);
                    ForwardSubstituteRows(Block(j, 0), lijTransposed, Starts(i, offset), n);
                    Transpose(lijTransposed, lij, n);
                }
                // A(i,i) − Σ_m L(i,m)·L(i,m)ᵀ (lower triangle), then the diagonal block's own factorisation; every
                // L(i,m) here (m factorised) was finished above, its transpose with it.
                Span<double> lii = Block(i, 0);
                for (int m = firstShared; m < Math.Min(i, Leading); m++)
                    SubtractProduct(lii, Block(i, i - m), Starts(i, i - m), rowTransposes[i - m - 1], n, lowerOnly: true);
                if (i < Leading && !DenseCholesky(lii, n)) return false;
            }
            return true;
        }

        /// <summary>L·y = b on the leading rows; the rest receive −L(i,m)·y_m from them.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Forward(IReadOnlyList<double[]> rightHandSides)
        {
            for (int i = 0; i < Rows; i++)
                for (int k = 0; k < rightHandSides.Count; k++)
                {
                    double[] rhs = rightHandSides[k];
                    Span<double> yi = RhsRow(rhs, k, i);
                    for (int m = Math.Max(0, i - w); m < Math.Min(i, Leading); m++)
                    {
                        ReadOnlySpan<double> lim = Block(i, i - m), ym = RhsRow(rhs, k, m);
                        for (int r = 0; r < n; r++) yi[r] -= Dot(lim.Slice(r * n, n), ym);
                    }
                    if (i < Leading) ForwardSubstitute(Block(i, 0), yi, n);
                }
        }

        /// <summary>Lᵀ·x = y on the leading rows, the other rows' x (already solved) taken off first.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Backward(IReadOnlyList<double[]> rightHandSides)
        {
            for (int i = Rows - 1; i >= 0; i--)
            {
                ReadOnlySpan<double> lii = Block(i, 0);
                for (int k = 0; k < rightHandSides.Count; k++)
                {
                    double[] rhs = rightHandSides[k];
                    Span<double> xi = RhsRow(rhs, k, i);
                    // Lᵀ·x = y by rows of L: x_r is final once the later rows are taken off, then row r of L takes x_r off the earlier entries.
                    if (i < Leading)
                        for (int r = n - 1; r >= 0; r--)
                        {
                            double xr = xi[r] /= lii[r * n + r];
                            if (xr != 0) SubtractScaled(xi[..r], lii.Slice(r * n, r), xr);
                        }
                    // Subtract L(i,m)ᵀ·x_i from the earlier blocks once x_i is final.
                    for (int m = Math.Max(0, i - w); m < Math.Min(i, Leading); m++)
                    {
                        ReadOnlySpan<double> lim = Block(i, i - m);
                        Span<double> ym = RhsRow(rhs, k, m);
                        for (int r = 0; r < n; r++)
                            if (xi[r] != 0) SubtractScaled(ym, lim.Slice(r * n, n), xi[r]);
                    }
                }
            }
        }
    }

    /// <summary>block = blockᵀ for a row-major n x n block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeInPlace(Span<double> block, int n)
    {
        for (int r = 0; r < n; r++)
            for (int c = r + 1; c < n; c++) (block[r * n + c], block[c * n + r]) = (block[c * n + r], block[r * n + c]);
    }

    /// <summary>destination = sourceᵀ for row-major n x n blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose(ReadOnlySpan<double> source, Span<double> destination, int n)
    {
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++) destination[c * n + r] = source[r * n + c];
    }

    /// <summary>
    /// C −= A·Bᵀ for row-major n x n blocks, given Bᵀ (<paramref name="bTransposed"/>[k, s] = B[s, k]), each sum
    /// starting where A's rows' leading zeros end; only the lower triangle (and whatever of the upper the tiles cover,
    /// which the diagonal block's factorisation clears) when <paramref name="lowerOnly"/>.
    /// Tiles of 4 rows x 2 vectors of C are accumulated in registers over k as broadcast-times-row products: no
    /// horizontal sums, and every C entry sums its products in the order of k whatever the vector width.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SubtractProduct(Span<double> c, ReadOnlySpan<double> a, ReadOnlySpan<int> aStarts, ReadOnlySpan<double> bTransposed, int n, bool lowerOnly)
    {
        int w = Vector<double>.Count;
        ref double c0 = ref MemoryMarshal.GetReference(c);
        ref double a0 = ref MemoryMarshal.GetReference(a);
        ref double b0 = ref MemoryMarshal.GetReference(bTransposed);
        int r = 0;
        for (; r + 4 <= n; r += 4)
        {
            int kStart = Math.Min(Math.Min(aStarts[r], aStarts[r + 1]), Math.Min(aStarts[r + 2], aStarts[r + 3]));
            int columns = lowerOnly ? r + 4 : n, s = 0;
            nuint row0 = (nuint)(r * n), row1 = row0 + (nuint)n, row2 = row1 + (nuint)n, row3 = row2 + (nuint)n;
            for (; s + 2 * w <= columns; s += 2 * w)
            {
                Vector<double> x00 = Vector<double>.Zero, x01 = x00, x10 = x00, x11 = x00, x20 = x00, x21 = x00, x30 = x00, x31 = x00;
                for (int k = kStart; k < n; k++)
                {
                    nuint bk = (nuint)(k * n + s);
                    Vector<double> y0 = Vector.LoadUnsafe(ref b0, bk), y1 = Vector.LoadUnsafe(ref b0, bk + (nuint)w);
                    var v0 = new Vector<double>(Unsafe.Add(ref a0, row0 + (nuint)k));
                    var v1 = new Vector<double>(Unsafe.Add(ref a0, row1 + (nuint)k));
                    var v2 = new Vector<double>(Unsafe.Add(ref a0, row2 + (nuint)k));
                    var v3 = new Vector<double>(Unsafe.Add(ref a0, row3 + (nuint)k));
                    x00 += v0 * y0; x01 += v0 * y1; x10 += v1 * y0; x11 += v1 * y1;
                    x20 += v2 * y0; x21 += v2 * y1; x30 += v3 * y0; x31 += v3 * y1;
                }
                nuint next = (nuint)(s + w);
                SubtractAt(ref c0, row0 + (nuint)s, x00); SubtractAt(ref c0, row0 + next, x01);
                SubtractAt(ref c0, row1 + (nuint)s, x10); SubtractAt(ref c0, row1 + next, x11);
                SubtractAt(ref c0, row2 + (nuint)s, x20); SubtractAt(ref c0, row2 + next, x21);
                SubtractAt(ref c0, row3 + (nuint)s, x30); SubtractAt(ref c0, row3 + next, x31);
            }
            if (s + w <= columns)
            {
                Vector<double> x0 = Vector<double>.Zero, x1 = x0, x2 = x0, x3 = x0;
                for (int k = kStart; k < n; k++)
                {
                    Vector<double> y = Vector.LoadUnsafe(ref b0, (nuint)(k * n + s));
                    x0 += new Vector<double>(Unsafe.Add(ref a0, row0 + (nuint)k)) * y;
                    x1 += new Vector<double>(Unsafe.Add(ref a0, row1 + (nuint)k)) * y;
                    x2 += new Vector<double>(Unsafe.Add(ref a0, row2 + (nuint)k)) * y;
                    x3 += new Vector<double>(Unsafe.Add(ref a0, row3 + (nuint)k)) * y;
                }
                SubtractAt(ref c0, row0 + (nuint)s, x0);
                SubtractAt(ref c0, row1 + (nuint)s, x1);
                SubtractAt(ref c0, row2 + (nuint)s, x2);
                SubtractAt(ref c0, row3 + (nuint)s, x3);
                s += w;
            }
            for (; s < columns; s++)
                for (int q = r; q < r + 4; q++)
                {
                    double sum = 0;
                    for (int k = kStart; k < n; k++) sum += a[q * n + k] * bTransposed[k * n + s];
                    c[q * n + s] -= sum;
                }
        }
        for (; r < n; r++)
        {
            int columns = lowerOnly ? r + 1 : n;
            for (int s = 0; s < columns; s++)
            {
                double sum = 0;
                for (int k = aStarts[r]; k < n; k++) sum += a[r * n + k] * bTransposed[k * n + s];
                c[r * n + s] -= sum;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SubtractAt(ref double target, nuint offset, Vector<double> value) =>
        (Vector.LoadUnsafe(ref target, offset) - value).StoreUnsafe(ref target, offset);

    /// <summary>
    /// Solves L·X = B in place for a lower-triangular row-major block L and n x n B: row c of X is row c of B less
    /// Σ_k L(c,k)·row k of X over k below c, over L(c,c); the sum is accumulated in registers, two vectors of columns at
    /// a time. Column q of B is zero before row <paramref name="columnStarts"/>[q] (and so is X's), so row c only
    /// reaches the columns that start at or before c.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardSubstituteRows(ReadOnlySpan<double> l, Span<double> x, ReadOnlySpan<int> columnStarts, int n)
    {
        int w = Vector<double>.Count;
        ref double x0 = ref MemoryMarshal.GetReference(x);
        ref double l0 = ref MemoryMarshal.GetReference(l);
        for (int row = 0; row < n; row++)
        {
            int columns = 0;
            for (int q = 0; q < n; q++) if (columnStarts[q] <= row) columns = q + 1; // the last column this row reaches
            nuint target = (nuint)(row * n), lRow = (nuint)(row * n);
            double inverse = 1 / l[row * n + row];
            var inverseDiagonal = new Vector<double>(inverse);
            int s = 0;
            for (; s + 2 * w <= columns; s += 2 * w)
            {
                Vector<double> sum0 = Vector<double>.Zero, sum1 = Vector<double>.Zero;
                for (int k = 0; k < row; k++)
                {
                    var factor = new Vector<double>(Unsafe.Add(ref l0, lRow + (nuint)k));
                    nuint source = (nuint)(k * n + s);
                    sum0 += factor * Vector.LoadUnsafe(ref x0, source);
                    sum1 += factor * Vector.LoadUnsafe(ref x0, source + (nuint)w);
                }
                nuint at = target + (nuint)s;
                ((Vector.LoadUnsafe(ref x0, at) - sum0) * inverseDiagonal).StoreUnsafe(ref x0, at);
                ((Vector.LoadUnsafe(ref x0, at + (nuint)w) - sum1) * inverseDiagonal).StoreUnsafe(ref x0, at + (nuint)w);
            }
            for (; s < columns; s++)
            {
                double sum = 0;
                for (int k = 0; k < row; k++) sum += l[row * n + k] * x[k * n + s];
                x[row * n + s] = (x[row * n + s] - sum) * inverse;
            }
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

    /// <summary>Solves L·x = b in place for a lower-triangular row-major block L.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardSubstitute(ReadOnlySpan<double> l, Span<double> x, int n)
    {
        for (int r = 0; r < n; r++)
            x[r] = (x[r] - Dot(l.Slice(r * n, r), x[..r])) / l[r * n + r];
    }

    /// <summary>target −= factor · values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static void SubtractScaled(Span<double> target, ReadOnlySpan<double> values, double factor)
    {
        int length = target.Length, i = 0, w = Vector<double>.Count;
        ref double t0 = ref MemoryMarshal.GetReference(target);
        ref double v0 = ref MemoryMarshal.GetReference(values);
        var f = new Vector<double>(factor);
        for (; i + w <= length; i += w)
            (Vector.LoadUnsafe(ref t0, (nuint)i) - f * Vector.LoadUnsafe(ref v0, (nuint)i)).StoreUnsafe(ref t0, (nuint)i);
        for (; i < length; i++) target[i] -= factor * values[i];
    }

    /// <summary>Index of the first non-zero value, or the length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
