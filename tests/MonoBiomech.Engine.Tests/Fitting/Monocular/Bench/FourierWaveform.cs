namespace MonoBiomech.Engine.Tests.Fitting.Monocular;

/// <summary>
/// A periodic curve given by key points read off a published mean curve (percent of the cycle, value), represented by
/// its first harmonics. The key points are joined by a shape-preserving periodic cubic (Fritsch–Carlson, so peaks are
/// not overshot), which is sampled and projected on the Fourier basis. With 8 harmonics a 1.5 Hz running stride keeps
/// content up to 12 Hz: the foot-strike features stay sharp; nothing else is filtered.
/// </summary>
internal sealed class FourierWaveform
{
    private const int Samples = 720;
    private readonly double mean;
    private readonly double[] cosines, sines;

    public FourierWaveform(int harmonics, params (double Percent, double Value)[] keyPoints)
    {
        if (keyPoints.Length < 3) throw new ArgumentException("A waveform needs at least 3 key points.", nameof(keyPoints));
        (double Percent, double Value)[] points = keyPoints.Where(p => p.Percent < 100).OrderBy(p => p.Percent).ToArray();
        double[] curve = Enumerable.Range(0, Samples).Select(i => PeriodicCubic(points, 100.0 * i / Samples)).ToArray();
        mean = curve.Average();
        cosines = new double[harmonics];
        sines = new double[harmonics];
        for (int k = 1; k <= harmonics; k++)
            for (int i = 0; i < Samples; i++)
            {
                double angle = 2 * Math.PI * k * i / Samples;
                cosines[k - 1] += 2.0 / Samples * curve[i] * Math.Cos(angle);
                sines[k - 1] += 2.0 / Samples * curve[i] * Math.Sin(angle);
            }
    }

    /// <summary>The value at a phase in cycles (0 = the first key point's cycle start; any real number, period 1).</summary>
    public double At(double phaseCycles)
    {
        double value = mean;
        for (int k = 1; k <= cosines.Length; k++)
        {
            double angle = 2 * Math.PI * k * phaseCycles;
            value += cosines[k - 1] * Math.Cos(angle) + sines[k - 1] * Math.Sin(angle);
        }
        return value;
    }

    /// <summary>Piecewise cubic Hermite through the key points, wrapping at 100 %, with Fritsch–Carlson (PCHIP) slopes.</summary>
    private static double PeriodicCubic((double Percent, double Value)[] p, double x)
    {
        int n = p.Length;
        double X(int i) => p[((i % n) + n) % n].Percent + 100 * Math.Floor((double)i / n);
        double Y(int i) => p[((i % n) + n) % n].Value;
        double Secant(int i) => (Y(i + 1) - Y(i)) / (X(i + 1) - X(i));
        double Slope(int i)
        {
            double before = Secant(i - 1), after = Secant(i);
            if (before * after <= 0) return 0;
            double h0 = X(i) - X(i - 1), h1 = X(i + 1) - X(i);
            return 3 * (h0 + h1) / ((2 * h1 + h0) / before + (h1 + 2 * h0) / after);
        }
        int k = n - 1;
        while (k > 0 && X(k) > x) k--;
        if (x < X(0)) k = -1;
        double h = X(k + 1) - X(k), t = (x - X(k)) / h;
        double h00 = (1 + 2 * t) * (1 - t) * (1 - t), h10 = t * (1 - t) * (1 - t), h01 = t * t * (3 - 2 * t), h11 = t * t * (t - 1);
        return h00 * Y(k) + h10 * h * Slope(k) + h01 * Y(k + 1) + h11 * h * Slope(k + 1);
    }
}
