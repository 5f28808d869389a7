namespace MonoBiomech.Engine.Fitting;

/// <summary>Input hygiene before fitting (biomech-fit.md §7.6.1).</summary>
internal static class KeypointCleaning
{
    /// <summary>Confidence 0 for non-finite values, zero-filled frames and points behind or at the camera.</summary>
    public static void Clean(VideoState video)
    {
        int joints = video.JointCount;
        for (int t = 0; t < video.FrameCount; t++)
        {
            bool allZero = true;
            for (int i = t * joints * 3; i < (t + 1) * joints * 3; i++) allZero &= video.Observed3dMetres[i] == 0;
            for (int j = 0; j < joints; j++)
            {
                int p = t * joints + j;
                double z = video.Observed3dMetres[p * 3 + 2];
                bool finite = double.IsFinite(video.Observed3dMetres[p * 3]) && double.IsFinite(video.Observed3dMetres[p * 3 + 1]) && double.IsFinite(z)
                    && double.IsFinite(video.Observed2dPixels[p * 2]) && double.IsFinite(video.Observed2dPixels[p * 2 + 1]);
                double c = video.Confidence[p];
                if (allZero || !finite || !(c > 0) || z < CameraProjection.MinimumDepthMetres)
                {
                    video.Confidence[p] = 0;
                    for (int a = 0; a < 3; a++) video.Observed3dMetres[p * 3 + a] = 0;
                    for (int a = 0; a < 2; a++) video.Observed2dPixels[p * 2 + a] = 0;
                }
                else
                {
                    video.Confidence[p] = Math.Min(c, 1);
                }
            }
        }
    }

    /// <summary>
    /// White-noise variance of a 3D keypoint coordinate in cm², from the data alone: second differences over frames cancel
    /// smooth motion (a torso keypoint accelerating at 2 m/s² moves 2 mm off a straight line at 30 fps) while white noise
    /// of σ gives σ·√6, and most keypoints move slowly, so median|Δ²X| / (0.6745·√6) ≈ σ. Clamped to 1–100 mm.
    /// Temporally correlated errors (MeTRAbs' slow biases) are not counted, which errs towards less smoothing.
    /// </summary>
    public static double EstimateNoiseVariance(VideoState video)
    {
        int joints = video.JointCount;
        var magnitudes = new List<double>();
        for (int t = 1; t + 1 < video.FrameCount; t++)
            for (int j = 0; j < joints; j++)
            {
                if (video.Confidence[(t - 1) * joints + j] <= 0 || video.Confidence[t * joints + j] <= 0 || video.Confidence[(t + 1) * joints + j] <= 0) continue;
                for (int a = 0; a < 3; a++)
                    magnitudes.Add(Math.Abs(video.Observed3dMetres[((t + 1) * joints + j) * 3 + a] - 2 * video.Observed3dMetres[(t * joints + j) * 3 + a]
                        + video.Observed3dMetres[((t - 1) * joints + j) * 3 + a]));
            }
        if (magnitudes.Count < 30) return 1;
        magnitudes.Sort();
        double sigmaMetres = Math.Clamp(magnitudes[magnitudes.Count / 2] / (0.6745 * Math.Sqrt(6)), 0.001, 0.1);
        return Math.Pow(100 * sigmaMetres, 2);
    }

    /// <summary>Index of each keypoint's mirror partner (l↔r / L↔R prefix), or its own index when it has none.</summary>
    public static int[] MirrorPartners(IReadOnlyList<string> names)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int j = 0; j < names.Count; j++) index[names[j]] = j;
        var partner = new int[names.Count];
        for (int j = 0; j < names.Count; j++)
        {
            partner[j] = j;
            string name = names[j];
            if (name.Length < 2) continue;
            char mirrored = name[0] switch { 'l' => 'r', 'r' => 'l', 'L' => 'R', 'R' => 'L', _ => '\0' };
            if (mirrored != '\0' && index.TryGetValue(mirrored + name[1..], out int other)) partner[j] = other;
        }
        return partner;
    }

    /// <summary>
    /// Detects frames whose left/right labels are swapped: the frame's centred 3D keypoints are compared with the
    /// interpolation of its neighbours, as labelled and mirrored; a frame is relabelled when the mirrored labels fit at
    /// least twice as well (capped per-point distances keep outliers from deciding). Model-free, so it runs before the fit
    /// can be pulled towards the swapped pose. Isolated frames are tested against both neighbours; runs of up to 10 frames
    /// by their two boundaries. Returns the number of frames relabelled.
    /// </summary>
    public static int UndoLeftRightSwaps(VideoState video, IReadOnlyList<string> names)
    {
        int[] partner = MirrorPartners(names);
        if (Enumerable.Range(0, partner.Length).All(j => partner[j] == j)) return 0;
        int joints = video.JointCount, frames = video.FrameCount, swapped = 0;
        double[] centred = new double[frames * joints * 3];
        bool[] usable = new bool[frames];
        for (int t = 0; t < frames; t++)
        {
            double sx = 0, sy = 0, sz = 0; int count = 0;
            for (int j = 0; j < joints; j++)
            {
                if (video.Confidence[t * joints + j] <= 0) continue;
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
            double h0 = video.Timestamps[t] - video.Timestamps[t - 1], h1 = video.Timestamps[t + 1] - video.Timestamps[t];
            if (!IsMirrored(video, centred, partner, t, t - 1, h1 / (h0 + h1), t + 1, h0 / (h0 + h1))) continue;
            SwapLabels(video, centred, partner, t);
            swapped++;
        }

        // Runs of 2..MaxRunFrames swapped frames: a swap boundary makes a frame look mirrored against its predecessor;
        // relabel between two boundaries that are close enough (an unpaired boundary is ignored, so a missed one cannot
        // flip the rest of the video).
        const int maxRunFrames = 10;
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
    private static bool IsMirrored(VideoState video, double[] centred, int[] partner, int t, int a, double weightA, int b, double weightB)
    {
        const double capSquaredMetres = 0.3 * 0.3;
        int joints = video.JointCount;
        double asLabelled = 0, mirrored = 0;
        for (int j = 0; j < joints; j++)
        {
            int m = partner[j];
            if (m == j) continue;
            if (video.Confidence[a * joints + j] <= 0 || video.Confidence[b * joints + j] <= 0
                || video.Confidence[t * joints + j] <= 0 || video.Confidence[t * joints + m] <= 0) continue;
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

    private static void SwapLabels(VideoState video, double[] centred, int[] partner, int t)
    {
        int joints = video.JointCount;
        for (int j = 0; j < joints; j++)
        {
            int m = partner[j];
            if (m <= j) continue;
            Swap(video.Observed3dMetres, (t * joints + j) * 3, (t * joints + m) * 3, 3);
            Swap(video.Observed2dPixels, (t * joints + j) * 2, (t * joints + m) * 2, 2);
            Swap(video.Confidence, t * joints + j, t * joints + m, 1);
            Swap(centred, (t * joints + j) * 3, (t * joints + m) * 3, 3);
        }
    }

    private static void Swap(double[] values, int a, int b, int count)
    {
        for (int i = 0; i < count; i++) (values[a + i], values[b + i]) = (values[b + i], values[a + i]);
    }
}
