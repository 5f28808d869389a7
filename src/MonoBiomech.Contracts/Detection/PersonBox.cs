namespace MonoBiomech.Detection;

/// <summary>A person box: top-left corner and size in original-frame pixels, and the detector's score (0..1).</summary>
public sealed record PersonBox(float XPixels, float YPixels, float WidthPixels, float HeightPixels, float Score)
{
    public float CenterXPixels => XPixels + WidthPixels / 2;
    public float CenterYPixels => YPixels + HeightPixels / 2;
    public float AreaPixels => Math.Max(0, WidthPixels) * Math.Max(0, HeightPixels);

    /// <summary>Intersection over union with another box (0 when either is empty).</summary>
    public float IntersectionOverUnion(PersonBox other) => IntersectionOverUnion(
        XPixels, YPixels, WidthPixels, HeightPixels, other.XPixels, other.YPixels, other.WidthPixels, other.HeightPixels);

    /// <summary>Intersection over union of two boxes given as top-left corner and size (0 when either is empty).</summary>
    internal static float IntersectionOverUnion(float ax, float ay, float aw, float ah, float bx, float by, float bw, float bh)
    {
        float areaA = Math.Max(0, aw) * Math.Max(0, ah);
        float areaB = Math.Max(0, bw) * Math.Max(0, bh);
        if (areaA <= 0 || areaB <= 0)
            return 0;
        float iw = Math.Min(ax + aw, bx + bw) - Math.Max(ax, bx);
        float ih = Math.Min(ay + ah, by + bh) - Math.Max(ay, by);
        if (iw <= 0 || ih <= 0)
            return 0;
        float intersection = iw * ih;
        return intersection / (areaA + areaB - intersection);
    }
}
