using MonoBiomech.Detection;

namespace MonoBiomech.Engine.Detection;

/// <summary>Chooses the one subject track of a video and lays its boxes out frame by frame.</summary>
internal static class SubjectSelector
{
    /// <summary>For Largest and MostMoving, tracks seen in fewer than this fraction of the longest track's frames are not candidates (brief false positives).</summary>
    internal const double MinimumLengthFractionOfLongest = 0.25;

    public static PersonTrack? Select(IReadOnlyList<PersonTrack> tracks, SubjectPolicy policy)
    {
        if (tracks.Count == 0)
            return null;
        int longest = tracks.Max(t => t.FrameIndices.Count);
        var candidates = policy == SubjectPolicy.LongestTracked
            ? tracks
            : tracks.Where(t => t.FrameIndices.Count >= Math.Max(2, MinimumLengthFractionOfLongest * longest)).ToList();
        if (candidates.Count == 0)
            candidates = tracks;
        return policy switch
        {
            SubjectPolicy.LongestTracked => candidates.OrderByDescending(ScoreWeightedLength).ThenByDescending(MeanArea).ThenBy(t => t.Id).First(),
            SubjectPolicy.Largest => candidates.OrderByDescending(MeanArea).ThenBy(t => t.Id).First(),
            SubjectPolicy.MostMoving => candidates.OrderByDescending(TravelInHeights).ThenBy(t => t.Id).First(),
            _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, "Unknown subject policy."),
        };
    }

    /// <summary>Frames seen, each weighted by its score.</summary>
    internal static double ScoreWeightedLength(PersonTrack track) => track.Boxes.Sum(b => (double)b.Score);

    internal static double MeanArea(PersonTrack track) => track.Boxes.Average(b => (double)b.AreaPixels);

    /// <summary>Summed centre displacement between consecutive observations, each step divided by the box height.</summary>
    internal static double TravelInHeights(PersonTrack track)
    {
        double travel = 0;
        for (int i = 1; i < track.Boxes.Count; i++)
        {
            var a = track.Boxes[i - 1];
            var b = track.Boxes[i];
            double dx = b.CenterXPixels - a.CenterXPixels, dy = b.CenterYPixels - a.CenterYPixels;
            travel += Math.Sqrt(dx * dx + dy * dy) / Math.Max(1.0, (a.HeightPixels + b.HeightPixels) / 2);
        }
        return travel;
    }

    /// <summary>
    /// One entry per frame: the track's box where observed, a linearly interpolated box (Score 0) inside gaps of the
    /// track, null outside the track's span.
    /// </summary>
    public static PersonBox?[] LayOut(PersonTrack? track, int frameCount)
    {
        var boxes = new PersonBox?[frameCount];
        if (track is null)
            return boxes;
        for (int i = 0; i < track.FrameIndices.Count; i++)
        {
            int frame = track.FrameIndices[i];
            if (frame < frameCount)
                boxes[frame] = track.Boxes[i];
            if (i == 0)
                continue;
            int previous = track.FrameIndices[i - 1];
            var a = track.Boxes[i - 1];
            var b = track.Boxes[i];
            for (int f = previous + 1; f < frame && f < frameCount; f++)
            {
                float t = (float)(f - previous) / (frame - previous);
                boxes[f] = new PersonBox(
                    a.XPixels + t * (b.XPixels - a.XPixels), a.YPixels + t * (b.YPixels - a.YPixels),
                    a.WidthPixels + t * (b.WidthPixels - a.WidthPixels), a.HeightPixels + t * (b.HeightPixels - a.HeightPixels),
                    Score: 0);
            }
        }
        return boxes;
    }
}
