using MonoBiomech.Detection;

namespace MonoBiomech.Engine.Detection;

/// <summary>
/// Builds person tracks from per-frame boxes: each track predicts its next box with a constant-velocity model, and
/// detections are matched to the predictions greedily by overlap and centre distance (best pair first). A track may
/// go unseen for up to <c>maxGapFrames</c> frames and still be continued. Per-video mutable state.
/// </summary>
internal sealed class PersonTrackBuilder
{
    /// <summary>Centre distance, as a fraction of the box height, below which a detection can continue a track.</summary>
    private const float MaxCentreDistanceInHeights = 0.5f;
    /// <summary>Below this IoU a pair needs the centre-distance gate to match.</summary>
    private const float MinMatchingIou = 0.1f;
    /// <summary>Heights of two boxes of one person differ at most by this ratio between observations.</summary>
    private const float MinHeightRatio = 0.6f;
    private const float VelocitySmoothing = 0.6f;

    private readonly int _maxGapFrames;
    private readonly List<MutableTrack> _tracks = [];

    public PersonTrackBuilder(int maxGapFrames)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxGapFrames);
        _maxGapFrames = maxGapFrames;
    }

    /// <summary>Tracks still open at <paramref name="frameIndex"/> (seen within the gap allowance), and their last box.</summary>
    public IEnumerable<(int TrackId, PersonBox LastBox, int LastFrame)> OpenTracks(int frameIndex) =>
        _tracks.Where(t => frameIndex - t.LastFrame <= _maxGapFrames + 1).Select(t => (t.Id, t.LastBox, t.LastFrame));

    /// <summary>Matches the detections of one frame to tracks; returns the track id of each detection, in input order.</summary>
    public int[] Update(int frameIndex, IReadOnlyList<PersonBox> detections)
    {
        var open = _tracks.Where(t => t.LastFrame < frameIndex && frameIndex - t.LastFrame <= _maxGapFrames + 1).ToList();
        var pairs = new List<(float Similarity, int Track, int Detection)>();
        for (int ti = 0; ti < open.Count; ti++)
        {
            var predicted = open[ti].Predict(frameIndex);
            for (int di = 0; di < detections.Count; di++)
            {
                float similarity = Similarity(predicted, detections[di]);
                if (similarity > 0)
                    pairs.Add((similarity, ti, di));
            }
        }
        var assigned = new int[detections.Count];
        Array.Fill(assigned, -1);
        var trackTaken = new bool[open.Count];
        foreach (var (_, ti, di) in pairs.OrderByDescending(p => p.Similarity).ThenBy(p => p.Track).ThenBy(p => p.Detection))
        {
            if (trackTaken[ti] || assigned[di] >= 0)
                continue;
            trackTaken[ti] = true;
            assigned[di] = open[ti].Id;
            open[ti].Observe(frameIndex, detections[di]);
        }
        for (int di = 0; di < detections.Count; di++)
        {
            if (assigned[di] >= 0)
                continue;
            var track = new MutableTrack(_tracks.Count, frameIndex, detections[di]);
            _tracks.Add(track);
            assigned[di] = track.Id;
        }
        return assigned;
    }

    /// <summary>Adds a box that a visual tracker found for an existing track (no association needed).</summary>
    public void ObserveTracked(int trackId, int frameIndex, PersonBox box)
    {
        var track = _tracks[trackId];
        if (frameIndex <= track.LastFrame)
            throw new InvalidOperationException($"Track {trackId} already has an observation at or after frame {frameIndex}.");
        track.Observe(frameIndex, box);
    }

    public IReadOnlyList<PersonTrack> Build() =>
        _tracks.Select(t => new PersonTrack(t.Id, t.Frames.ToArray(), t.Boxes.ToArray())).ToArray();

    /// <summary>How well a detection continues a track's predicted box; 0 when it cannot be the same person.</summary>
    internal static float Similarity(PersonBox predicted, PersonBox detection)
    {
        float heightRatio = Math.Min(predicted.HeightPixels, detection.HeightPixels)
            / Math.Max(1e-3f, Math.Max(predicted.HeightPixels, detection.HeightPixels));
        if (heightRatio < MinHeightRatio)
            return 0;
        float iou = predicted.IntersectionOverUnion(detection);
        float dx = predicted.CenterXPixels - detection.CenterXPixels;
        float dy = predicted.CenterYPixels - detection.CenterYPixels;
        float distance = MathF.Sqrt(dx * dx + dy * dy) / Math.Max(1f, Math.Max(predicted.HeightPixels, detection.HeightPixels));
        float closeness = Math.Max(0, 1 - distance / MaxCentreDistanceInHeights);
        if (iou < MinMatchingIou && closeness <= 0)
            return 0;
        return iou + 0.5f * closeness * heightRatio;
    }

    private sealed class MutableTrack
    {
        private float _velocityX, _velocityY; // centre pixels per frame

        public MutableTrack(int id, int frameIndex, PersonBox box)
        {
            Id = id;
            Frames.Add(frameIndex);
            Boxes.Add(box);
        }

        public int Id { get; }
        public List<int> Frames { get; } = [];
        public List<PersonBox> Boxes { get; } = [];
        public int LastFrame => Frames[^1];
        public PersonBox LastBox => Boxes[^1];

        public PersonBox Predict(int frameIndex)
        {
            int ahead = frameIndex - LastFrame;
            var last = LastBox;
            return last with { XPixels = last.XPixels + _velocityX * ahead, YPixels = last.YPixels + _velocityY * ahead };
        }

        public void Observe(int frameIndex, PersonBox box)
        {
            int elapsed = frameIndex - LastFrame;
            float vx = (box.CenterXPixels - LastBox.CenterXPixels) / elapsed;
            float vy = (box.CenterYPixels - LastBox.CenterYPixels) / elapsed;
            bool first = Frames.Count == 1;
            _velocityX = first ? vx : VelocitySmoothing * _velocityX + (1 - VelocitySmoothing) * vx;
            _velocityY = first ? vy : VelocitySmoothing * _velocityY + (1 - VelocitySmoothing) * vy;
            Frames.Add(frameIndex);
            Boxes.Add(box);
        }
    }
}
