namespace MonoBiomech.Engine.Fitting;

/// <summary>Input hygiene before fitting: unusable observations, the noise level, left/right label swaps.</summary>
internal static class KeypointCleaning
{
    /// <summary>
    /// Weight 0 for observations that carry no information: non-finite values (a NaN 3D point with a finite 2D point is a
    /// 2D-only observation), frames filled with zeros (upstream's "no detection"), 3D points behind or at the camera of
    /// absolute sequences; confidences above 1 are capped.
    /// </summary>
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
        if (magnitudes.Count < MinimumNoiseSamples) return DefaultNoiseSigmaMetres * DefaultNoiseSigmaMetres;
        magnitudes.Sort();
        double sigmaMetres = Math.Clamp(magnitudes[magnitudes.Count / 2] / (0.6745 * Math.Sqrt(6)), MinimumNoiseSigmaMetres, MaximumNoiseSigmaMetres);
        return sigmaMetres * sigmaMetres;
    }

    private const int MinimumNoiseSamples = 30;

    /// <summary>Assumed with too few samples to estimate from: a typical monocular keypoint error.</summary>
    private const double DefaultNoiseSigmaMetres = 0.02;
    private const double MinimumNoiseSigmaMetres = 0.001;
    private const double MaximumNoiseSigmaMetres = 0.1;

    /// <summary>Longest run of swapped frames that is undone: MeTRAbs swaps side views for up to about half a gait cycle.</summary>
    public const int MaxSwapRunFrames = 15;

    /// <summary>
    /// Detects frames whose left/right labels are swapped: the frame's centred 3D keypoints are compared with the
    /// interpolation of its neighbours, as labelled and mirrored; a frame is relabelled when the mirrored labels fit at
    /// least twice as well (capped per-point distances keep outliers from deciding). Model-free, so it runs before the fit
    /// can be pulled towards the swapped pose. Isolated frames are tested against both neighbours; runs of up to
    /// <see cref="MaxSwapRunFrames"/> frames by their two boundaries. Returns the number of frames relabelled.
    /// </summary>
    public static int UndoLeftRightSwaps(KeypointObservations video)
    {
        int[] partner = video.Binding.MirrorOfKeypoint;
        if (!video.Binding.HasMirrorPairs) return 0;
        int joints = video.KeypointCount, frames = video.FrameCount, swapped = 0;
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

        // Isolated frames: compare with the interpolation of both neighbours.
        for (int t = 1; t + 1 < frames; t++)
        {
            if (!usable[t] || !usable[t - 1] || !usable[t + 1]) continue;
            double h0 = video.TimestampsSeconds[t] - video.TimestampsSeconds[t - 1], h1 = video.TimestampsSeconds[t + 1] - video.TimestampsSeconds[t];
            if (!IsMirrored(video, centred, partner, t, t - 1, h1 / (h0 + h1), t + 1, h0 / (h0 + h1))) continue;
            SwapLabels(video, centred, partner, t);
            swapped++;
        }

        // Runs of 2..MaxRunFrames swapped frames: a swap boundary makes a frame look mirrored against its predecessor;
        // relabel between two boundaries that are close enough (an unpaired boundary is ignored, so a missed one cannot
        // flip the rest of the video).
        const int maxRunFrames = MaxSwapRunFrames;
        var boundaries = new List<int>();
        for (int t = 1; t < frames; t++)
            if (usable[t] && usable[t - 1] && IsMirrored(video, centred, partner, t, t - 1, 1, t - 1, 0)) boundaries.Add(t);
        for (int i = 0; i + 1 < boundaries.Count; i++)
        {
            int start = boundaries[i], end = boundaries[i + 1];
            if (end - start < 2 || end - start > maxRunFrames) continue;
            for (int t = start; t < end; t++) SwapLabels(video, centred, partner, t);
            swapped += end - start;
            i++;
        }
        return swapped;
    }

    /// <summary>
    /// True when frame t's centred keypoints match the reference (a weighted sum of frames a and b) at least twice as well
    /// with left and right exchanged; per-point squared distances are capped at 0.3 m so outliers cannot decide.
    /// </summary>
    private static bool IsMirrored(KeypointObservations video, double[] centred, int[] partner, int t, int a, double weightA, int b, double weightB)
    {
        const double capSquaredMetres = 0.3 * 0.3;
        int joints = video.KeypointCount;
        double asLabelled = 0, mirrored = 0;
        for (int j = 0; j < joints; j++)
        {
            int m = partner[j];
            if (m == j) continue;
            if (video.Weight3d[a * joints + j] <= 0 || video.Weight3d[b * joints + j] <= 0
                || video.Weight3d[t * joints + j] <= 0 || video.Weight3d[t * joints + m] <= 0) continue;
            double d1 = 0, d2 = 0;
            for (int k = 0; k < 3; k++)
            {
                double reference = weightA * centred[(a * joints + j) * 3 + k] + weightB * centred[(b * joints + j) * 3 + k];
                double own = centred[(t * joints + j) * 3 + k] - reference;
                double other = centred[(t * joints + m) * 3 + k] - reference;
                d1 += own * own; d2 += other * other;
            }
            asLabelled += Math.Min(d1, capSquaredMetres);
            mirrored += Math.Min(d2, capSquaredMetres);
        }
        return mirrored * 2 < asLabelled;
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
