using System.Runtime.CompilerServices;
using MonoBiomech.Fitting;
namespace MonoBiomech.Engine.Fitting.Goals;

using MonoBiomech.Engine.BodyModels;

/// <summary>
/// A Gaussian prior on each coordinate's acceleration (a Whittaker smoother on the per-frame coordinates): ½·Σ (q̈/σ)²,
/// scaled by the video's keypoint noise variance in units of the 3D goal's reference error, so that it is a proper prior
/// against the data: clean keypoints are smoothed little, noisy ones more, with one σ per kind of coordinate.
/// Second differences on the real timestamps (non-uniform spacing allowed) couple frames up to two apart.
/// </summary>
internal sealed class MotionPriorGoal : FitGoal
{
    private readonly double[] inverseSquareSigma;

    public MotionPriorGoal(BodyModel model, double rotationSigmaRadiansPerSecondSquared, double translationSigmaMetresPerSecondSquared)
        : this(model.Coordinates.Select(c => c.Kind == CoordinateKind.Translation ? translationSigmaMetresPerSecondSquared : rotationSigmaRadiansPerSecondSquared).ToArray())
    {
    }

    /// <param name="sigmas">[coordinate] σ of the acceleration: rad/s² for rotations, m/s² for translations.</param>
    public MotionPriorGoal(double[] sigmas)
    {
        Sigmas = sigmas;
        inverseSquareSigma = sigmas.Select(sigma => 1 / (sigma * sigma)).ToArray();
    }

    /// <summary>[coordinate] σ of the acceleration prior.</summary>
    public IReadOnlyList<double> Sigmas { get; }

    public override string Name => "acceleration prior";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double AddVideoTerms(VideoFitProblem problem, VideoFitState state, VideoNormalEquations? equations)
    {
        int n = state.CoordinateCount, frames = state.FrameCount;
        double noiseScale = problem.InverseWeightSum * problem.NoiseVarianceSquareMetres
            / (Keypoint3dShapeGoal.ReferenceErrorMetres * Keypoint3dShapeGoal.ReferenceErrorMetres);
        double[] q = state.Coordinates;
        Span<double> c = stackalloc double[3];
        double cost = 0;
        for (int t = 1; t + 1 < frames; t++)
        {
            SecondDifference(problem.TimestampsSeconds, t, c);
            for (int d = 0; d < n; d++)
            {
                double weight = noiseScale * inverseSquareSigma[d];
                double acceleration = c[0] * q[(t - 1) * n + d] + c[1] * q[t * n + d] + c[2] * q[(t + 1) * n + d];
                cost += 0.5 * weight * acceleration * acceleration;
                if (equations is null) continue;
                for (int i = 0; i < 3; i++)
                {
                    int frame = t - 1 + i;
                    equations.CoordinateGradient[frame * n + d] += weight * acceleration * c[i];
                    equations.CoordinateCoordinate[(frame * n + d) * n + d] += weight * c[i] * c[i];
                }
                equations.CoordinateCoordinatePreviousFrame[t * n + d] += weight * c[1] * c[0];
                equations.CoordinateCoordinatePreviousFrame[(t + 1) * n + d] += weight * c[2] * c[1];
                equations.CoordinateCoordinateTwoFramesBack[(t + 1) * n + d] += weight * c[2] * c[0];
            }
        }
        return cost;
    }

    /// <summary>
    /// Per coordinate, the larger of its prior σ and <paramref name="factor"/> times the RMS acceleration of the fitted
    /// trajectories (all videos): a fast motion earns a looser prior.
    /// </summary>
    public static double[] AdaptedSigmas(BodyModel model, IReadOnlyList<VideoFitProblem> problems, SubjectFitState state, IReadOnlyList<double> sigmas, double factor)
    {
        int n = sigmas.Count;
        var sum = new double[n];
        int count = 0;
        Span<double> c = stackalloc double[3];
        for (int v = 0; v < problems.Count; v++)
        {
            double[] q = state.Videos[v].Coordinates;
            for (int t = 1; t + 1 < problems[v].FrameCount; t++)
            {
                SecondDifference(problems[v].TimestampsSeconds, t, c);
                for (int d = 0; d < n; d++)
                {
                    double a = c[0] * q[(t - 1) * n + d] + c[1] * q[t * n + d] + c[2] * q[(t + 1) * n + d];
                    sum[d] += a * a;
                }
                count++;
            }
        }
        double[] adapted = Enumerable.Range(0, n).Select(d => Math.Max(sigmas[d], factor * Math.Sqrt(sum[d] / Math.Max(count, 1)))).ToArray();
        // Left and right limbs move alike: a far-side joint, seen worse, is fitted smoother and would earn a tighter prior
        // than its near-side twin; both take the larger.
        int[] mirror = MirrorCoordinates(model, problems);
        return Enumerable.Range(0, n).Select(d => Math.Max(adapted[d], adapted[mirror[d]])).ToArray();
    }

    /// <summary>
    /// [coordinate] its left/right twin, or itself: bodies are paired through the keypoint sets' mirror pairs (a keypoint
    /// on body a whose mirror is on body b), and a body's coordinates with its twin's in order.
    /// </summary>
    internal static int[] MirrorCoordinates(BodyModel model, IReadOnlyList<VideoFitProblem> problems)
    {
        var bodyTwin = Enumerable.Range(0, model.BodyCount).ToArray();
        foreach (VideoFitProblem problem in problems)
        {
            KeypointBinding binding = problem.Binding;
            for (int k = 0; k < binding.KeypointCount; k++)
            {
                int m = binding.MirrorOfKeypoint[k], site = binding.SiteOfKeypoint[k], other = binding.SiteOfKeypoint[m];
                if (m == k || site < 0 || other < 0) continue;
                int a = model.Sites[site].BodyIndex, b = model.Sites[other].BodyIndex;
                if (a != b) { bodyTwin[a] = b; bodyTwin[b] = a; }
            }
        }
        var twin = Enumerable.Range(0, model.CoordinateCount).ToArray();
        for (int body = 0; body < model.BodyCount; body++)
        {
            int other = bodyTwin[body];
            if (other == body) continue;
            int[] mine = Enumerable.Range(0, model.CoordinateCount).Where(d => model.Coordinates[d].BodyIndex == body).ToArray();
            int[] theirs = Enumerable.Range(0, model.CoordinateCount).Where(d => model.Coordinates[d].BodyIndex == other).ToArray();
            if (mine.Length != theirs.Length) continue;
            for (int i = 0; i < mine.Length; i++) twin[mine[i]] = theirs[i];
        }
        return twin;
    }

    /// <summary>Coefficients of q̈ at frame t from frames t−1, t, t+1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SecondDifference(ReadOnlySpan<double> timestamps, int t, Span<double> coefficients)
    {
        double h0 = Math.Max(timestamps[t] - timestamps[t - 1], MinimumFrameIntervalSeconds);
        double h1 = Math.Max(timestamps[t + 1] - timestamps[t], MinimumFrameIntervalSeconds);
        coefficients[0] = 2 / (h0 * (h0 + h1));
        coefficients[2] = 2 / (h1 * (h0 + h1));
        coefficients[1] = -(coefficients[0] + coefficients[2]);
    }

    /// <summary>Guards against duplicate timestamps.</summary>
    private const double MinimumFrameIntervalSeconds = 1e-6;
}

/// <summary>
/// A weak Gaussian prior on the scale increments β (σ = 0.1: ±10 %), worth one frame of keypoints (upstream divides it by
/// its 87 keypoints; here by the summed default weights of the keypoints the model observes).
/// </summary>
internal sealed class ScalePriorGoal(double sigma, double keypointWeightPerFrame) : FitGoal
{
    private readonly double weight = 1 / (sigma * sigma * Math.Max(keypointWeightPerFrame, 1));

    public override string Name => "scale prior";

    public override double AddSubjectTerms(SubjectFitState state, SubjectNormalEquations? equations)
    {
        double[] beta = state.ScaleIncrements;
        int groups = beta.Length;
        double cost = 0;
        for (int g = 0; g < groups; g++)
        {
            cost += 0.5 * weight * beta[g] * beta[g];
            if (equations is null) continue;
            equations.ScaleGradient[g] += weight * beta[g];
            equations.ScaleScale[g * groups + g] += weight;
        }
        return cost;
    }
}

/// <summary>L2 prior on the site offsets Δ (upstream: 100 per m², per video), keeping keypoints near their anatomical sites.</summary>
internal sealed class SiteOffsetPriorGoal(double weightPerSquareMetre, int videoCount) : FitGoal
{
    private readonly double weight = weightPerSquareMetre * videoCount;

    public override string Name => "site offset prior";

    public override double AddSubjectTerms(SubjectFitState state, SubjectNormalEquations? equations)
    {
        double[] offsets = state.SiteOffsetsMetres;
        double cost = 0;
        for (int i = 0; i < offsets.Length; i++)
        {
            cost += weight * offsets[i] * offsets[i];
            if (equations is null) continue;
            equations.SiteOffsetGradient[i] += 2 * weight * offsets[i];
            equations.SiteOffsetSiteOffset[(i / 3) * 9 + (i % 3) * 4] += 2 * weight;
        }
        return cost;
    }
}
