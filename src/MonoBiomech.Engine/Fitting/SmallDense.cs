using System.Runtime.CompilerServices;
namespace MonoBiomech.Engine.Fitting;

/// <summary>Tiny dense symmetric positive-definite solves (3x3 τ blocks, 3x3 site offsets, the 8x8 β Schur complement).</summary>
internal static class SmallDense
{
    /// <summary>Solves A·x = b in place (b becomes x) by Cholesky; A (row-major, n x n) is overwritten. False if not positive definite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool SolveSpd(Span<double> a, Span<double> b, int n)
    {
        for (int j = 0; j < n; j++)
        {
            double d = a[j * n + j];
            for (int k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
            if (!(d > 0)) return false;
            double l = Math.Sqrt(d);
            a[j * n + j] = l;
            for (int i = j + 1; i < n; i++)
            {
                double v = a[i * n + j];
                for (int k = 0; k < j; k++) v -= a[i * n + k] * a[j * n + k];
                a[i * n + j] = v / l;
            }
        }
        for (int i = 0; i < n; i++)
        {
            double v = b[i];
            for (int k = 0; k < i; k++) v -= a[i * n + k] * b[k];
            b[i] = v / a[i * n + i];
        }
        for (int i = n - 1; i >= 0; i--)
        {
            double v = b[i];
            for (int k = i + 1; k < n; k++) v -= a[k * n + i] * b[k];
            b[i] = v / a[i * n + i];
        }
        return true;
    }

    /// <summary>Inverse of a symmetric positive-definite 3x3 matrix (adjugate / determinant).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InvertSpd3(ReadOnlySpan<double> m, Span<double> inverse)
    {
        double c00 = m[4] * m[8] - m[5] * m[7], c01 = m[5] * m[6] - m[3] * m[8], c02 = m[3] * m[7] - m[4] * m[6];
        double det = m[0] * c00 + m[1] * c01 + m[2] * c02;
        double id = 1 / det;
        inverse[0] = c00 * id;
        inverse[1] = (m[2] * m[7] - m[1] * m[8]) * id;
        inverse[2] = (m[1] * m[5] - m[2] * m[4]) * id;
        inverse[3] = c01 * id;
        inverse[4] = (m[0] * m[8] - m[2] * m[6]) * id;
        inverse[5] = (m[2] * m[3] - m[0] * m[5]) * id;
        inverse[6] = c02 * id;
        inverse[7] = (m[1] * m[6] - m[0] * m[7]) * id;
        inverse[8] = (m[0] * m[4] - m[1] * m[3]) * id;
    }
}
