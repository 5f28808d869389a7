using System.Runtime.CompilerServices;
namespace MonoBiomech.Engine.Fitting;

/// <summary>Input hygiene before fitting: unusable observations, the noise level, left/right label swaps.</summary>
internal static class KeypointCleaning
{
    /// <summary>
    /// Weight 0 for observations that carry no information: non-finite values (a NaN 3D point with a finite 2D point is a
    /// 2D-only observation), frames filled with zeros (upstream's "no detection"), 3D points behind or at the camera of
    /// absolute sequences; confidences above 1 are capped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Clean(KeypointObservations video)
    {
        int keypoints = video.KeypointCount;
        double[] p3 = video.Observed3dMetres, p2 = video.Observed2dPixels;
        for (int t = 0; t < video.FrameCount; t++)
        {
            bool allZero = true;
            for (int i = t * keypoints * 3; i < (t + 1) * keypoints * 3; i++) allZero &= p3[i] == 0;
            for (int k = 0; k < keypoints; k++)
            {
                int i = t * keypoints + k;
                bool finite3d = double.IsFinite(p3[i * 3]) && double.IsFinite(p3[i * 3 + 1]) && double.IsFinite(p3[i * 3 + 2]);
                bool finite2d = double.IsFinite(p2[i * 2]) && double.IsFinite(p2[i * 2 + 1]);
                bool usable3d = finite3d && !allZero && (video.Keypoints3dAreRootRelative || p3[i * 3 + 2] >= CameraProjection.MinimumDepthMetres);
                video.Weight3d[i] = usable3d && video.Weight3d[i] > 0 ? Math.Min(video.Weight3d[i], video.Binding.WeightOfKeypoint[k]) : 0;
                video.Weight2d[i] = finite2d && !allZero && video.Weight2d[i] > 0 ? Math.Min(video.Weight2d[i], video.Binding.WeightOfKeypoint[k]) : 0;
                if (video.Weight3d[i] == 0) { p3[i * 3] = p3[i * 3 + 1] = p3[i * 3 + 2] = 0; }
                if (video.Weight2d[i] == 0) { p2[i * 2] = p2[i * 2 + 1] = 0; }
            }
        }
    }

    /// <summary>
    /// Variance of the white error of a 3D keypoint coordinate in m², from the data alone. Second differences over frames
    /// cancel smooth motion (a torso keypoint accelerating at 2 m/s² moves 2 mm off a straight line at 30 fps) while white
    /// noise of σ gives σ·√6, and most keypoints move slowly, so median|Δ²X| / (0.6745·√6) ≈ σ. Each frame triple is first
    /// centred on the keypoints it shares, so the offset common to a frame (monocular depth jitter, which the fit absorbs
    /// in τ and does not smooth) is not counted as noise. Clamped to 1–100 mm.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double EstimateNoiseVariance(KeypointObservations video)
    {
        int keypoints = video.KeypointCount;
        double[] p = video.Observed3dMetres;
        var magnitudes = new List<double>();
        var shared = new List<int>();
        Span<double> centre = stackalloc double[9];
        for (int t = 1; t + 1 < video.FrameCount; t++)
        {
            shared.Clear();
            for (int k = 0; k < keypoints; k++)
                if (video.Weight3d[(t - 1) * keypoints + k] > 0 && video.Weight3d[t * keypoints + k] > 0 && video.Weight3d[(t + 1) * keypoints + k] > 0)
                    shared.Add(k);
            if (shared.Count < 3) continue;
            centre.Clear();
            for (int f = 0; f < 3; f++)
                foreach (int k in shared)
                    for (int a = 0; a < 3; a++) centre[f * 3 + a] += p[((t - 1 + f) * keypoints + k) * 3 + a] / shared.Count;
            foreach (int k in shared)
                for (int a = 0; a < 3; a++)
                    magnitudes.Add(Math.Abs((p[((t + 1) * keypoints + k) * 3 + a] - centre[6 + a]) - 2 * (p[(t * keypoints + k) * 3 + a] - centre[3 + a])
                        + (p[((t - 1) * keypoints + k) * 3 + a] - centre[a])));
        }
        return VarianceFromSecondDifferences(magnitudes, DefaultNoiseSigmaMetres, MinimumNoiseSigmaMetres, MaximumNoiseSigmaMetres);
    }

    /// <summary>
    /// Variance of the white error of a 2D keypoint coordinate in px², estimated as <see cref="EstimateNoiseVariance"/>
    /// does for 3D (2D keypoints have no common offset to remove). Clamped to 0.3–30 px.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double EstimateReprojectionNoiseVariance(KeypointObservations video)
    {
        int keypoints = video.KeypointCount;
        double[] p = video.Observed2dPixels;
        var magnitudes = new List<double>();
        for (int t = 1; t + 1 < video.FrameCount; t++)
            for (int k = 0; k < keypoints; k++)
            {
                if (video.Weight2d[(t - 1) * keypoints + k] <= 0 || video.Weight2d[t * keypoints + k] <= 0 || video.Weight2d[(t + 1) * keypoints + k] <= 0) continue;
                for (int a = 0; a < 2; a++)
                    magnitudes.Add(Math.Abs(p[((t + 1) * keypoints + k) * 2 + a] - 2 * p[(t * keypoints + k) * 2 + a] + p[((t - 1) * keypoints + k) * 2 + a]));
            }
        return VarianceFromSecondDifferences(magnitudes, DefaultNoiseSigmaPixels, MinimumNoiseSigmaPixels, MaximumNoiseSigmaPixels);
    }

    private const double DefaultNoiseSigmaPixels = 3;
    private const double MinimumNoiseSigmaPixels = 0.3;
    private const double MaximumNoiseSigmaPixels = 30;

    private const int MinimumNoiseSamples = 30;

    /// <summary>
    /// σ² of white noise from |second differences| of one coordinate (σ·√6 for white noise; the median ignores the few
    /// fast-moving samples): (median / (0.6745·√6))², σ clamped; the default σ with too few samples. Sorts the list.
    /// </summary>
    private static double VarianceFromSecondDifferences(List<double> magnitudes, double defaultSigma, double minimumSigma, double maximumSigma)
    {
        if (magnitudes.Count < MinimumNoiseSamples) return defaultSigma * defaultSigma;
        magnitudes.Sort();
        double sigma = Math.Clamp(magnitudes[magnitudes.Count / 2] / (0.6745 * Math.Sqrt(6)), minimumSigma, maximumSigma);
        return sigma * sigma;
    }

    /// <summary>Assumed with too few samples to estimate from: a typical monocular keypoint error.</summary>
    private const double DefaultNoiseSigmaMetres = 0.02;
    private const double MinimumNoiseSigmaMetres = 0.001;
    private const double MaximumNoiseSigmaMetres = 0.1;

    /// <summary>
    /// Cost of one frame labelled as swapped, in the units of <see cref="LabelDistance"/> (m²): far below the change a
    /// real swap causes (left and right limbs 0.2-1 m apart), far above noise, so a swapped labelling must explain a
    /// jump at each of its ends to be chosen, and of two labellings that explain the data alike the one with fewer
    /// relabelled frames wins.
    /// </summary>
    private const double SwappedFramePenaltySquareMetres = 0.002;

    /// <summary>Per-point squared distances are capped here, so outliers cannot decide a labelling.</summary>
    private const double DistanceCapSquareMetres = 0.3 * 0.3;

    /// <summary>
    /// Detects and undoes frames whose left/right labels are swapped. Each frame is labelled "as given" or "swapped" so
    /// that consecutive frames' centred 3D keypoints agree best (a two-state Viterbi path: the cost of an edge is the
    /// mean capped squared distance between the two frames' points under their labels, plus a small cost per swapped
    /// frame). Runs of any length are found, each only where its two ends show a jump that relabelling removes, and a
    /// noisy frame inside a run does not split it. Model-free, so it runs before the fit can be pulled towards the
    /// swapped pose. Returns the number of frames relabelled.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int UndoLeftRightSwaps(KeypointObservations video)
    {
        int[] partner = video.Binding.MirrorOfKeypoint;
        if (!video.Binding.HasMirrorPairs) return 0;
        int joints = video.KeypointCount, frames = video.FrameCount;
        double[] centred = new double[frames * joints * 3];
        bool[] usable = new bool[frames];
        for (int t = 0; t < frames; t++)
        {
            double sx = 0, sy = 0, sz = 0; int count = 0;
            for (int j = 0; j < joints; j++)
            {
                if (video.Weight3d[t * joints + j] <= 0) continue;
                int o = (t * joints + j) * 3;
                sx += video.Observed3dMetres[o]; sy += video.Observed3dMetres[o + 1]; sz += video.Observed3dMetres[o + 2]; count++;
            }
            usable[t] = count >= joints / 2;
            if (count == 0) continue;
            for (int j = 0; j < joints; j++)
            {
                int o = (t * joints + j) * 3;
                centred[o] = video.Observed3dMetres[o] - sx / count;
                centred[o + 1] = video.Observed3dMetres[o + 1] - sy / count;
                centred[o + 2] = video.Observed3dMetres[o + 2] - sz / count;
            }
        }

        // Viterbi over the usable frames: state 0 = as given, 1 = swapped. An edge's cost depends only on whether the
        // two states differ (relabelling both frames leaves their distance unchanged).
        int[] order = Enumerable.Range(0, frames).Where(t => usable[t]).ToArray();
        if (order.Length < 2) return 0;
        var cost = new double[2];
        var from = new byte[order.Length * 2];
        cost[0] = 0; cost[1] = SwappedFramePenaltySquareMetres;
        for (int i = 1; i < order.Length; i++)
        {
            double same = LabelDistance(video, centred, partner, order[i - 1], order[i], mirrored: false);
            double flipped = LabelDistance(video, centred, partner, order[i - 1], order[i], mirrored: true);
            if (double.IsNaN(same) || double.IsNaN(flipped)) same = flipped = 0; // no pair seen in both: no evidence
            double stay0 = cost[0] + same, switch0 = cost[1] + flipped;
            double stay1 = cost[1] + same, switch1 = cost[0] + flipped;
            from[i * 2] = (byte)(stay0 <= switch0 ? 0 : 1);
            from[i * 2 + 1] = (byte)(stay1 <= switch1 ? 1 : 0);
            cost[0] = Math.Min(stay0, switch0);
            cost[1] = Math.Min(stay1, switch1) + SwappedFramePenaltySquareMetres;
        }
        int state = cost[0] <= cost[1] ? 0 : 1, swapped = 0;
        for (int i = order.Length - 1; i >= 0; i--)
        {
            if (state == 1) { SwapLabels(video, centred, partner, order[i]); swapped++; }
            state = from[i * 2 + state];
        }
        return swapped;
    }

    /// <summary>
    /// Mean over the left/right keypoints seen in both frames of the capped squared distance between frame
    /// <paramref name="a"/>'s centred point and frame <paramref name="b"/>'s, with b's labels exchanged when
    /// <paramref name="mirrored"/>; NaN when no such keypoint.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double LabelDistance(KeypointObservations video, double[] centred, int[] partner, int a, int b, bool mirrored)
    {
        int joints = video.KeypointCount, count = 0;
        double sum = 0;
        for (int j = 0; j < joints; j++)
        {
            int m = partner[j];
            if (m == j) continue;
            int other = mirrored ? m : j;
            if (video.Weight3d[a * joints + j] <= 0 || video.Weight3d[b * joints + other] <= 0) continue;
            double d = 0;
            for (int k = 0; k < 3; k++)
            {
                double e = centred[(b * joints + other) * 3 + k] - centred[(a * joints + j) * 3 + k];
                d += e * e;
            }
            sum += Math.Min(d, DistanceCapSquareMetres);
            count++;
        }
        return count > 0 ? sum / count : double.NaN;
    }

    private static void SwapLabels(KeypointObservations video, double[] centred, int[] partner, int t)
    {
        int joints = video.KeypointCount;
        for (int j = 0; j < joints; j++)
        {
            int m = partner[j];
            if (m <= j) continue;
            Swap(video.Observed3dMetres, (t * joints + j) * 3, (t * joints + m) * 3, 3);
            Swap(video.Observed2dPixels, (t * joints + j) * 2, (t * joints + m) * 2, 2);
            Swap(video.Weight3d, t * joints + j, t * joints + m, 1);
            Swap(video.Weight2d, t * joints + j, t * joints + m, 1);
            Swap(centred, (t * joints + j) * 3, (t * joints + m) * 3, 3);
        }
    }

    private static void Swap(double[] values, int a, int b, int count)
    {
        for (int i = 0; i < count; i++) (values[a + i], values[b + i]) = (values[b + i], values[a + i]);
    }
}
