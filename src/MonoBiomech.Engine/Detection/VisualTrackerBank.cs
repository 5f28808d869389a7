using MonoBiomech.Detection;
using OpenCvSharp;
using OpenCvSharp.Tracking;

namespace MonoBiomech.Engine.Detection;

/// <summary>
/// Follows person tracks between detections with OpenCV KCF trackers on a downscaled frame. A tracker is started
/// lazily, on the previous frame, the first time its track misses a detection, so frames where the detector finds
/// everyone cost nothing. Keeps exactly two working frames, whatever the video's length. Per-video state.
/// </summary>
internal sealed class VisualTrackerBank : IDisposable
{
    /// <summary>Longer side (pixels) of the frame the trackers run on.</summary>
    internal const int TrackingSizePixels = 320;
    /// <summary>Score of a tracked box relative to the track's last detection score.</summary>
    internal const float TrackedScoreFactor = 0.9f;

    private readonly Dictionary<int, (Tracker Tracker, float Score)> _trackers = [];
    private Mat _current = new(), _previous = new();
    private double _scale = 1;
    private bool _hasPrevious;

    public void BeginFrame(Mat bgrFrame)
    {
        (_previous, _current) = (_current, _previous);
        _hasPrevious = !_previous.Empty();
        _scale = Math.Min(1.0, (double)TrackingSizePixels / Math.Max(bgrFrame.Cols, bgrFrame.Rows));
        Cv2.Resize(bgrFrame, _current, new Size(), _scale, _scale, InterpolationFlags.Linear); // cheaper than AREA at full HD; KCF does not need anti-aliasing
    }

    /// <summary>
    /// The track's box in the current frame, or null when it cannot be followed (no tracker and the last box is not
    /// from the previous frame, or the tracker lost it).
    /// </summary>
    public PersonBox? Follow(int trackId, PersonBox lastBox, bool lastBoxIsFromPreviousFrame)
    {
        if (!_trackers.TryGetValue(trackId, out var entry))
        {
            if (!lastBoxIsFromPreviousFrame || !_hasPrevious)
                return null;
            var start = ToRect(lastBox, _previous.Size());
            if (start.Width < 4 || start.Height < 4)
                return null;
            var tracker = TrackerKCF.Create();
            tracker.Init(_previous, start);
            entry = (tracker, lastBox.Score * TrackedScoreFactor);
            _trackers[trackId] = entry;
        }
        var rect = new Rect();
        if (!entry.Tracker.Update(_current, ref rect) || rect.Width <= 0 || rect.Height <= 0)
        {
            Forget(trackId);
            return null;
        }
        return new PersonBox((float)(rect.X / _scale), (float)(rect.Y / _scale), (float)(rect.Width / _scale),
            (float)(rect.Height / _scale), entry.Score);
    }

    /// <summary>Drops a track's tracker (its track was detected again or has ended).</summary>
    public void Forget(int trackId)
    {
        if (_trackers.Remove(trackId, out var entry))
            entry.Tracker.Dispose();
    }

    /// <summary>Drops the trackers of every track not in <paramref name="followed"/> (ended or no longer followed), so trackers never pile up.</summary>
    public void KeepOnly(IReadOnlyCollection<int> followed)
    {
        foreach (int trackId in _trackers.Keys.Where(id => !followed.Contains(id)).ToArray())
            Forget(trackId);
    }

    private Rect ToRect(PersonBox box, Size bounds) =>
        new Rect((int)Math.Round(box.XPixels * _scale), (int)Math.Round(box.YPixels * _scale),
                (int)Math.Round(box.WidthPixels * _scale), (int)Math.Round(box.HeightPixels * _scale))
            .Intersect(new Rect(0, 0, bounds.Width, bounds.Height));

    public void Dispose()
    {
        foreach (var (tracker, _) in _trackers.Values)
            tracker.Dispose();
        _trackers.Clear();
        _current.Dispose();
        _previous.Dispose();
    }
}
