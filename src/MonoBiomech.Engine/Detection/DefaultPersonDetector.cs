using OpenCvSharp;

namespace MonoBiomech.Engine.Detection;

/// <summary>
/// The detector that needs no model file. Two OpenCV cues are fused on a downscaled frame:
/// <list type="bullet">
/// <item>HOG people detector (Dalal-Triggs SVM shipped with OpenCV), multi-scale: finds upright people, moving or not.</item>
/// <item>Background subtraction (MOG2) for a still camera: foreground blobs are merged into person-sized clusters,
///   which finds moving people in poses HOG misses.</item>
/// </list>
/// Scores express evidence of a moving person: a HOG hit backed by motion scores highest, a motion cluster alone
/// next, and a HOG hit on a person who stands still scores just above the default threshold (a bystander). The
/// pipeline's visual tracker bridges frames where both cues miss. Per-video state (the background model).
/// </summary>
internal sealed class DefaultPersonDetector : IPersonDetector
{
    /// <summary>Longer side (pixels) of the image the background model runs on.</summary>
    private const int MotionSizePixels = 240;
    /// <summary>Above this foreground fraction the frame changed globally (camera shake, exposure): motion is ignored.</summary>
    private const double GlobalChangeForegroundFraction = 0.25;
    /// <summary>A motion cluster needs at least this foreground fraction of the motion image to count as a person.</summary>
    private const double MinClusterForegroundFraction = 0.002;
    /// <summary>Fraction of a HOG box that must be foreground for the hit to count as a moving person.</summary>
    private const double MotionSupportFraction = 0.04;

    private readonly int _workingSizePixels;
    private readonly float _scoreThreshold;
    private readonly float _nmsIouThreshold;
    private readonly HOGDescriptor _hog = new();
    private readonly BackgroundSubtractorMOG2 _background = BackgroundSubtractorMOG2.Create(history: 300, varThreshold: 16, detectShadows: true);
    private readonly Mat _working = new(), _motionImage = new(), _foreground = new(), _clusters = new();
    private readonly Mat _labels = new(), _stats = new(), _centroids = new();
    private readonly Mat _openKernel = Cv2.GetStructuringElement(MorphShapes.Rect, new Size(3, 3));
    private Mat? _mergeKernel;

    public DefaultPersonDetector(int workingSizePixels, float scoreThreshold, float nmsIouThreshold)
    {
        _workingSizePixels = workingSizePixels;
        _scoreThreshold = scoreThreshold;
        _nmsIouThreshold = nmsIouThreshold;
        _hog.SetSVMDetector(HOGDescriptor.GetDefaultPeopleDetector());
    }

    public string Description => "Default (OpenCV HOG people detector + MOG2 motion + KCF tracker)";

    public IReadOnlyList<PersonBox> Detect(Mat bgrFrame)
    {
        double workingScale = Math.Min(1.0, (double)_workingSizePixels / Math.Max(bgrFrame.Cols, bgrFrame.Rows));
        Cv2.Resize(bgrFrame, _working, new Size(), workingScale, workingScale, InterpolationFlags.Area);
        double motionScale = Math.Min(1.0, (double)MotionSizePixels / Math.Max(bgrFrame.Cols, bgrFrame.Rows));
        Cv2.Resize(bgrFrame, _motionImage, new Size(), motionScale, motionScale, InterpolationFlags.Area);

        bool motionUsable = UpdateForeground();
        var candidates = new List<ScoredBox>();
        var hogBoxes = DetectHog(workingScale);
        var clusters = motionUsable ? MotionClusters(motionScale) : [];
        foreach (var hog in hogBoxes)
        {
            double support = motionUsable ? ForegroundFraction(hog, motionScale) : 0;
            float score = support >= MotionSupportFraction
                ? (float)Math.Min(0.95, 0.6 + 0.2 * hog.Score + support)
                : (float)(0.3 + 0.05 * hog.Score);
            candidates.Add(hog with { Score = score });
        }
        foreach (var cluster in clusters)
        {
            // A cluster that a HOG hit already covers adds nothing but a worse-shaped duplicate.
            if (hogBoxes.Any(h => Contains(h, cluster, 0.6f)))
                continue;
            candidates.Add(cluster);
        }
        return BoxGeometry.NonMaximumSuppression(candidates.Where(c => c.Score >= _scoreThreshold).ToList(), _nmsIouThreshold)
            .Select(c => c.ToPersonBox()).ToArray();
    }

    /// <summary>HOG hits in original pixels, trimmed to the body (the 64x128 window has margins); Score = SVM margin squashed to 0..1.</summary>
    private List<ScoredBox> DetectHog(double workingScale)
    {
        var rects = _hog.DetectMultiScale(_working, out double[] weights, hitThreshold: 0, winStride: new Size(8, 8),
            padding: new Size(16, 16), scale: 1.05, groupThreshold: 2);
        var boxes = new List<ScoredBox>(rects.Length);
        for (int i = 0; i < rects.Length; i++)
        {
            var r = rects[i];
            double confidence = 1 - Math.Exp(-Math.Max(0, i < weights.Length ? weights[i] : 0));
            boxes.Add(new ScoredBox(
                (float)((r.X + 0.15 * r.Width) / workingScale), (float)((r.Y + 0.05 * r.Height) / workingScale),
                (float)(0.7 * r.Width / workingScale), (float)(0.9 * r.Height / workingScale), (float)confidence, 0));
        }
        return boxes;
    }

    /// <summary>Updates the background model; false when the frame changed as a whole and motion says nothing about people.</summary>
    private bool UpdateForeground()
    {
        _background.Apply(_motionImage, _foreground);
        Cv2.Threshold(_foreground, _foreground, 200, 255, ThresholdTypes.Binary); // drop shadows (127)
        Cv2.MorphologyEx(_foreground, _foreground, MorphTypes.Open, _openKernel);
        double fraction = Cv2.CountNonZero(_foreground) / (double)(_foreground.Rows * _foreground.Cols);
        return fraction < GlobalChangeForegroundFraction;
    }

    private double ForegroundFraction(in ScoredBox box, double motionScale)
    {
        var rect = ToRect(box, motionScale, _foreground.Size());
        if (rect.Width <= 0 || rect.Height <= 0)
            return 0;
        using var roi = new Mat(_foreground, rect);
        return Cv2.CountNonZero(roi) / (double)(rect.Width * rect.Height);
    }

    /// <summary>Foreground blobs merged (by dilation) into clusters the size of a person's limbs-apart silhouette.</summary>
    private List<ScoredBox> MotionClusters(double motionScale)
    {
        int kernelSide = Math.Max(3, Math.Max(_foreground.Rows, _foreground.Cols) / 16) | 1;
        if (_mergeKernel is null || _mergeKernel.Rows != kernelSide)
        {
            _mergeKernel?.Dispose();
            _mergeKernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(kernelSide, kernelSide));
        }
        Cv2.Dilate(_foreground, _clusters, _mergeKernel);
        int count = Cv2.ConnectedComponentsWithStats(_clusters, _labels, _stats, _centroids);
        double imageArea = _foreground.Rows * _foreground.Cols;
        var result = new List<ScoredBox>();
        for (int label = 1; label < count; label++)
        {
            var rect = new Rect(_stats.At<int>(label, 0), _stats.At<int>(label, 1), _stats.At<int>(label, 2), _stats.At<int>(label, 3));
            // Undo the dilation margin, then count the real foreground inside.
            int margin = kernelSide / 2;
            rect = new Rect(rect.X + margin, rect.Y + margin, Math.Max(1, rect.Width - 2 * margin), Math.Max(1, rect.Height - 2 * margin))
                .Intersect(new Rect(0, 0, _foreground.Cols, _foreground.Rows));
            if (rect.Width <= 0 || rect.Height <= 0)
                continue;
            double foregroundPixels;
            using (var roi = new Mat(_foreground, rect))
                foregroundPixels = Cv2.CountNonZero(roi);
            double massFraction = foregroundPixels / imageArea;
            if (massFraction < MinClusterForegroundFraction)
                continue;
            double aspect = rect.Height / (double)rect.Width;
            if (aspect < 0.4 || aspect > 6)
                continue;
            float score = (float)Math.Min(0.85, 0.45 + 20 * massFraction);
            result.Add(new ScoredBox((float)(rect.X / motionScale), (float)(rect.Y / motionScale),
                (float)(rect.Width / motionScale), (float)(rect.Height / motionScale), score, 0));
        }
        return result;
    }

    private static Rect ToRect(in ScoredBox box, double scale, Size bounds) =>
        new Rect((int)(box.X * scale), (int)(box.Y * scale), (int)Math.Ceiling(box.Width * scale), (int)Math.Ceiling(box.Height * scale))
            .Intersect(new Rect(0, 0, bounds.Width, bounds.Height));

    /// <summary>True when at least <paramref name="fraction"/> of <paramref name="inner"/> lies inside <paramref name="outer"/>.</summary>
    private static bool Contains(in ScoredBox outer, in ScoredBox inner, float fraction)
    {
        float iw = Math.Min(outer.X + outer.Width, inner.X + inner.Width) - Math.Max(outer.X, inner.X);
        float ih = Math.Min(outer.Y + outer.Height, inner.Y + inner.Height) - Math.Max(outer.Y, inner.Y);
        return iw > 0 && ih > 0 && iw * ih >= fraction * inner.Width * inner.Height;
    }

    public void Dispose()
    {
        _hog.Dispose();
        _background.Dispose();
        _working.Dispose(); _motionImage.Dispose(); _foreground.Dispose(); _clusters.Dispose();
        _labels.Dispose(); _stats.Dispose(); _centroids.Dispose();
        _openKernel.Dispose();
        _mergeKernel?.Dispose();
    }
}
