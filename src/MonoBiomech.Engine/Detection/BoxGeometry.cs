using MonoBiomech.Detection;

namespace MonoBiomech.Engine.Detection;

/// <summary>A detection before it becomes a <see cref="PersonBox"/>: top-left + size in pixels, score, class.</summary>
internal readonly record struct ScoredBox(float X, float Y, float Width, float Height, float Score, int ClassId)
{
    public PersonBox ToPersonBox() => new(X, Y, Width, Height, Score);
}

internal static class BoxGeometry
{
    public static float IntersectionOverUnion(in ScoredBox a, in ScoredBox b) =>
        PersonBox.IntersectionOverUnion(a.X, a.Y, a.Width, a.Height, b.X, b.Y, b.Width, b.Height);

    /// <summary>
    /// Greedy hard non-maximum suppression per class: boxes are taken by descending score (ties by input order) and a
    /// box is dropped when it overlaps an already kept box of the same class by more than <paramref name="iouThreshold"/>.
    /// </summary>
    public static List<ScoredBox> NonMaximumSuppression(IReadOnlyList<ScoredBox> candidates, float iouThreshold, int maxOutput = int.MaxValue)
    {
        var order = Enumerable.Range(0, candidates.Count)
            .OrderByDescending(i => candidates[i].Score).ThenBy(i => i).ToArray();
        var kept = new List<ScoredBox>();
        foreach (int i in order)
        {
            if (kept.Count >= maxOutput)
                break;
            var candidate = candidates[i];
            bool suppressed = false;
            foreach (var k in kept)
            {
                if (k.ClassId == candidate.ClassId && IntersectionOverUnion(k, candidate) > iouThreshold)
                {
                    suppressed = true;
                    break;
                }
            }
            if (!suppressed)
                kept.Add(candidate);
        }
        return kept;
    }
}
