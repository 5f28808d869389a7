namespace MonoBiomech.Engine.Tests.Fitting.Monocular;

/// <summary>Small vector and random helpers of the bench generator (3-vectors as double[3]).</summary>
internal static class BenchMath
{
    public static double Dot(double[] a, double[] b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

    public static double[] Cross(double[] a, double[] b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

    public static double[] Normalize(double[] v)
    {
        double norm = Math.Sqrt(Dot(v, v));
        return [v[0] / norm, v[1] / norm, v[2] / norm];
    }

    /// <summary>A standard normal draw (Box–Muller).</summary>
    public static double Gaussian(Random random)
    {
        double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
