using MonoBiomech.Detection;
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

    /// <summary>How long motion fragments are remembered when grouping them into one person.</summary>
    private const double MotionMemorySeconds = 0.5;
    /// <summary>History value that marks "moved within the memory".</summary>
    private const double MemoryThreshold = 0.05;
    /// <summary>The box of a motion cluster spans the fragments of the last this many seconds.</summary>
    private const double RecentSeconds = 0.1;

    /// <summary>Largest vertical gap, in heights of the taller fragment, across which two motion fragments are one person.</summary>
    internal const float MaxStackGapInHeights = 0.75f;
    /// <summary>Largest horizontal gap, in heights of the taller fragment, across which two motion fragments are one person (a leg stepping out).</summary>
    internal const float MaxSideGapInHeights = 0.35f;
    /// <summary>A motion fragment at least this much taller than wide looks like a whole upright person.</summary>
    internal const float UprightAspect = 1.8f;
    /// <summary>Motion clusters larger than this fraction of the frame are lighting or camera changes, not people.</summary>
    private const double MaxClusterAreaFraction = 0.45;
    /// <summary>Height/width below which a motion cluster is a band of changed scene rather than a person (people lying down are missed).</summary>
    private const double MinPersonAspect = 0.5;
    /// <summary>Height/width above which a merged box is no longer one person.</summary>
    internal const float MaxPersonAspect = 4.5f;
    /// <summary>HOG is the expensive cue; it runs on every n-th call and the tracks carry its boxes in between.</summary>
    private const int HogEveryCalls = 3;

    /// <summary>Time over which the background model forgets: a person standing still this long becomes background.</summary>
    private const double BackgroundMemorySeconds = 4.0;

    /// <summary>After a global change, the background is relearnt over this long, with motion ignored.</summary>
    private const double RelearnSeconds = 0.5;
    private const double RelearnLearningRate = 0.25;

    private readonly int _workingSizePixels;
    private readonly float _scoreThreshold;
    private readonly float _nmsIouThreshold;
    private readonly HOGDescriptor _hog = new();
    private readonly BackgroundSubtractorMOG2 _background = BackgroundSubtractorMOG2.Create(history: 300, varThreshold: 16, detectShadows: true);
    private readonly double _backgroundLearningRate;
    private readonly int _relearnCalls;
    private int _relearnCallsLeft;
    private readonly double _historyDecayPerCall;
    private int _calls;
    private List<ScoredBox> _recentHog = []; // HOG boxes of the last HOG frame, in original pixels
    private int _historyCalls;
    private readonly Mat _working = new(), _motionImage = new(), _foreground = new(), _clusters = new();
    private readonly Mat _history = new(), _foregroundFloat = new(), _remembered = new(), _rememberedMask = new(), _recentFloat = new(), _recent = new();
    private readonly Mat _labels = new(), _stats = new(), _centroids = new();
    private readonly Mat _openKernel = Cv2.GetStructuringElement(MorphShapes.Rect, new Size(3, 3));
    private Mat? _mergeKernel;

    /// <param name="callsPerSecond">How often Detect is called per second of video (frame rate / detection interval); motion memory is timed by it.</param>
    public DefaultPersonDetector(int workingSizePixels, float scoreThreshold, float nmsIouThreshold, double callsPerSecond)
    {
        _backgroundLearningRate = Math.Min(0.5, 1.0 / (BackgroundMemorySeconds * callsPerSecond));
        _relearnCalls = Math.Max(1, (int)Math.Ceiling(RelearnSeconds * callsPerSecond));
        _historyDecayPerCall = Math.Pow(MemoryThreshold, 1.0 / Math.Max(1, MotionMemorySeconds * callsPerSecond));
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
        // The small motion image comes from the working image: one full-resolution pass per frame instead of two.
        var motionSize = new Size(
            Math.Max(1, (int)Math.Round(bgrFrame.Cols * Math.Min(1.0, (double)MotionSizePixels / Math.Max(bgrFrame.Cols, bgrFrame.Rows)))),
            Math.Max(1, (int)Math.Round(bgrFrame.Rows * Math.Min(1.0, (double)MotionSizePixels / Math.Max(bgrFrame.Cols, bgrFrame.Rows)))));
        Cv2.Resize(_working, _motionImage, motionSize, 0, 0, InterpolationFlags.Area);
        double motionScale = (double)motionSize.Width / bgrFrame.Cols;

        bool motionUsable = UpdateForeground();
        var candidates = new List<ScoredBox>();
        bool hogFrame = _calls++ % HogEveryCalls == 0;
        if (hogFrame)
            _recentHog = DetectHog(workingScale);
        var hogBoxes = hogFrame ? _recentHog : [];
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
            padding: new Size(16, 16), scale: 1.1, groupThreshold: 2);
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

    /// <summary>
    /// Updates the background model and the motion history (1 where foreground now, decaying over
    /// <see cref="MotionMemorySeconds"/>); false when the frame changed as a whole and motion says nothing about people.
    /// </summary>
    private bool UpdateForeground()
    {
        // A fixed, slow learning rate (instead of MOG2's fast start) keeps a subject who is nearly still at the start
        // in the foreground as soon as he moves at all.
        bool relearning = _relearnCallsLeft > 0;
        _background.Apply(_motionImage, _foreground, relearning ? RelearnLearningRate : _backgroundLearningRate);
        if (relearning)
        {
            _relearnCallsLeft--;
            _historyCalls = 0;
            return false;
        }
        Cv2.Threshold(_foreground, _foreground, 200, 255, ThresholdTypes.Binary); // drop shadows (127)
        Cv2.MorphologyEx(_foreground, _foreground, MorphTypes.Open, _openKernel);
        double fraction = Cv2.CountNonZero(_foreground) / (double)(_foreground.Rows * _foreground.Cols);
        if (fraction >= GlobalChangeForegroundFraction)
        {
            // The camera moved or the exposure jumped: the background model is stale. Relearn it fast, and trust
            // no motion until then (otherwise the whole changed scene shows up as one huge "person").
            _relearnCallsLeft = _relearnCalls;
            _historyCalls = 0;
            return false;
        }
        if (_history.Empty() || _history.Size() != _foreground.Size())
            _history.Create(_foreground.Size(), MatType.CV_32FC1);
        if (_historyCalls == 0)
            _history.SetTo(Scalar.All(0));
        _historyCalls++;
        Cv2.Multiply(_history, Scalar.All(_historyDecayPerCall), _history);
        _foreground.ConvertTo(_foregroundFloat, MatType.CV_32FC1, 1 / 255.0);
        Cv2.Max(_history, _foregroundFloat, _history);
        return true;
    }

    private double ForegroundFraction(in ScoredBox box, double motionScale)
    {
        var rect = ToRect(box, motionScale, _recent.Size());
        if (rect.Width <= 0 || rect.Height <= 0)
            return 0;
        using var roi = new Mat(_recent, rect);
        return Cv2.CountNonZero(roi) / (double)(rect.Width * rect.Height);
    }

    /// <summary>
    /// Person candidates from motion. A moving person shows up as fragments (a swinging arm, a stepping leg); the
    /// fragments of the last <see cref="MotionMemorySeconds"/> are grouped (dilated motion history), and each group's
    /// box spans the fragments of the last few frames, i.e. the whole moving body rather than one limb.
    /// </summary>
    private List<ScoredBox> MotionClusters(double motionScale)
    {
        Cv2.Threshold(_history, _remembered, MemoryThreshold, 255, ThresholdTypes.Binary);
        _remembered.ConvertTo(_rememberedMask, MatType.CV_8UC1);
        Cv2.Threshold(_history, _recentFloat, Math.Pow(MemoryThreshold, RecentSeconds / MotionMemorySeconds), 255, ThresholdTypes.Binary);
        _recentFloat.ConvertTo(_recent, MatType.CV_8UC1);

        int kernelSide = Math.Max(3, Math.Max(_foreground.Rows, _foreground.Cols) / 24) | 1;
        if (_mergeKernel is null || _mergeKernel.Rows != kernelSide)
        {
            _mergeKernel?.Dispose();
            _mergeKernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(kernelSide, kernelSide));
        }
        Cv2.Dilate(_rememberedMask, _clusters, _mergeKernel);
        int count = Cv2.ConnectedComponentsWithStats(_clusters, _labels, _stats, _centroids);
        double imageArea = _foreground.Rows * _foreground.Cols;
        var result = new List<ScoredBox>();
        for (int label = 1; label < count; label++)
        {
            var clusterRect = new Rect(_stats.At<int>(label, 0), _stats.At<int>(label, 1), _stats.At<int>(label, 2), _stats.At<int>(label, 3));
            using var clusterLabels = new Mat(_labels, clusterRect);
            using var recentInCluster = new Mat(_recent, clusterRect);
            using var inCluster = new Mat();
            Cv2.Compare(clusterLabels, Scalar.All(label), inCluster, CmpTypes.EQ);
            Cv2.BitwiseAnd(inCluster, recentInCluster, inCluster);
            double recentPixels = Cv2.CountNonZero(inCluster);
            if (recentPixels / imageArea < MinClusterForegroundFraction)
                continue;
            var extent = Cv2.BoundingRect(inCluster);
            var rect = new Rect(clusterRect.X + extent.X, clusterRect.Y + extent.Y, extent.Width, extent.Height);
            double aspect = rect.Height / (double)rect.Width;
            if (aspect < MinPersonAspect || aspect > 6 || rect.Width * rect.Height > MaxClusterAreaFraction * imageArea)
                continue;
            float score = (float)Math.Min(0.85, 0.5 + 10 * recentPixels / imageArea);
            result.Add(new ScoredBox((float)(rect.X / motionScale), (float)(rect.Y / motionScale),
                (float)(rect.Width / motionScale), (float)(rect.Height / motionScale), score, 0));
        }
        return MergeStackedFragments(result, _recentHog);
    }

    /// <summary>
    /// A person who stands still but swings an arm and a leg moves in two places, one above the other. Clusters that
    /// overlap horizontally and are separated vertically by less than <see cref="MaxStackGapInHeights"/> of the taller
    /// one are merged, as long as the union keeps a person's shape (height/width ≤ <see cref="MaxPersonAspect"/>).
    /// A cluster that a recent HOG hit of its own size covers is a whole person already and is never merged.
    /// </summary>
    internal static List<ScoredBox> MergeStackedFragments(List<ScoredBox> clusters, IReadOnlyList<ScoredBox> people)
    {
        bool merged = true;
        while (merged)
        {
            merged = false;
            for (int i = 0; i < clusters.Count && !merged; i++)
            {
                for (int j = i + 1; j < clusters.Count && !merged; j++)
                {
                    var (a, b) = (clusters[i], clusters[j]);
                    if (IsWholePerson(a, people) || IsWholePerson(b, people)
                        || (a.Height >= UprightAspect * a.Width && b.Height >= UprightAspect * b.Width))
                        continue; // two upright shapes are two people, one behind the other
                    float tallest = Math.Max(a.Height, b.Height);
                    float gapX = Math.Max(a.X, b.X) - Math.Min(a.X + a.Width, b.X + b.Width);
                    if (gapX > MaxSideGapInHeights * tallest)
                        continue;
                    float gapY = Math.Max(a.Y, b.Y) - Math.Min(a.Y + a.Height, b.Y + b.Height);
                    if (gapY > MaxStackGapInHeights * tallest)
                        continue;
                    float x1 = Math.Min(a.X, b.X), y1 = Math.Min(a.Y, b.Y);
                    float x2 = Math.Max(a.X + a.Width, b.X + b.Width), y2 = Math.Max(a.Y + a.Height, b.Y + b.Height);
                    if ((y2 - y1) / (x2 - x1) > MaxPersonAspect)
                        continue;
                    clusters[i] = new ScoredBox(x1, y1, x2 - x1, y2 - y1, Math.Max(a.Score, b.Score), 0);
                    clusters.RemoveAt(j);
                    merged = true;
                }
            }
        }
        return clusters;
    }

    /// <summary>True when a HOG person box of about the cluster's height covers most of the cluster.</summary>
    private static bool IsWholePerson(in ScoredBox cluster, IReadOnlyList<ScoredBox> people)
    {
        foreach (var person in people)
            if (person.Height <= 1.5f * cluster.Height && Contains(person, cluster, 0.6f))
                return true;
        return false;
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
        _history.Dispose(); _foregroundFloat.Dispose(); _remembered.Dispose(); _rememberedMask.Dispose(); _recentFloat.Dispose(); _recent.Dispose();
        _labels.Dispose(); _stats.Dispose(); _centroids.Dispose();
        _openKernel.Dispose();
        _mergeKernel?.Dispose();
    }
}
