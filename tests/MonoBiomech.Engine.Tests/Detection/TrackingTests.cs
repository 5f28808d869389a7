using MonoBiomech.Detection;
using MonoBiomech.Engine.Detection;

namespace MonoBiomech.Engine.Tests.Detection;

public sealed class TrackingTests
{
    private static PersonBox Box(float x, float y, float w = 50, float h = 150, float score = 0.9f) => new(x, y, w, h, score);

    /// <summary>Feeds per-frame boxes; returns the tracks and, per frame, the track id of each box.</summary>
    private static (IReadOnlyList<PersonTrack> Tracks, List<int[]> Ids) Run(int maxGap, IEnumerable<PersonBox[]> frames)
    {
        var builder = new PersonTrackBuilder(maxGap);
        var ids = new List<int[]>();
        int index = 0;
        foreach (var boxes in frames)
            ids.Add(builder.Update(index++, boxes));
        return (builder.Build(), ids);
    }

    [Fact]
    public void Two_people_crossing_keep_their_identities()
    {
        // A walks right, B walks left; they overlap fully around frame 15, and B is hidden behind A for frames 14..16.
        var frames = Enumerable.Range(0, 30).Select(f =>
        {
            var a = Box(10 * f, 100);
            var b = Box(300 - 10 * f, 105, score: 0.8f);
            return f is >= 14 and <= 16 ? new[] { a } : new[] { b, a };
        }).ToList();
        var (tracks, ids) = Run(maxGap: 5, frames);
        Assert.Equal(2, tracks.Count);
        int trackA = ids[0][1], trackB = ids[0][0];
        Assert.Equal($"track {trackB}: frames 0-29, seen in 27", tracks.Single(t => t.Id == trackB).ToString());
        for (int f = 0; f < 30; f++)
        {
            if (f is >= 14 and <= 16)
                Assert.Equal(trackA, ids[f][0]);
            else
                Assert.Equal((trackB, trackA), (ids[f][0], ids[f][1]));
        }
    }

    [Fact]
    public void A_gap_within_the_allowance_continues_the_track_and_is_interpolated()
    {
        var frames = Enumerable.Range(0, 20).Select(f => f is >= 8 and <= 11 ? Array.Empty<PersonBox>() : [Box(100 + 4 * f, 50)]).ToList();
        var (continued, _) = Run(maxGap: 5, frames);
        Assert.Single(continued);
        var boxes = SubjectSelector.LayOut(continued[0], 20);
        Assert.All(boxes, b => Assert.NotNull(b));
        Assert.Equal(100 + 4 * 9, boxes[9]!.XPixels, 1e-3f);   // linear between frames 7 and 12
        Assert.Equal(0, boxes[9]!.Score);
        Assert.Equal(0.9f, boxes[12]!.Score);

        var (split, _) = Run(maxGap: 2, frames);
        Assert.Equal(2, split.Count);
    }

    [Fact]
    public void A_person_appearing_far_away_after_the_subject_left_is_not_joined_to_it()
    {
        // A stands at the left for 40 frames and leaves; B appears on the right 2 frames later.
        var frames = Enumerable.Range(0, 80).Select(f => f < 40 ? new[] { Box(50, 100, score: 0.95f) } : f >= 42 ? new[] { Box(600, 100, score: 0.5f) } : []).ToList();
        var (tracks, _) = Run(maxGap: 10, frames);
        Assert.Equal(2, tracks.Count);
        var subject = SubjectSelector.Select(tracks, SubjectPolicy.LongestTracked);
        Assert.Equal(0, subject!.Id); // 40 × 0.95 beats 38 × 0.5
        var boxes = SubjectSelector.LayOut(subject, 80);
        Assert.Equal(40, boxes.Count(b => b is not null));
        Assert.All(boxes.Where(b => b is not null), b => Assert.Equal(50, b!.XPixels));
    }

    [Fact]
    public void Policies_choose_longest_largest_or_most_moving()
    {
        // Bystander: large, still, seen in every frame with a low score. Mover: smaller, walks, seen in 45 of 60 frames.
        var frames = Enumerable.Range(0, 60).Select(f =>
        {
            var bystander = Box(20, 20, 120, 360, score: 0.35f);
            var mover = Box(300 + 8 * f, 150, 40, 120, score: 0.85f);
            return f < 45 ? new[] { bystander, mover } : new[] { bystander };
        }).ToList();
        var (tracks, ids) = Run(maxGap: 5, frames);
        Assert.Equal(2, tracks.Count);
        int bystanderId = ids[0][0], moverId = ids[0][1];
        Assert.Equal(moverId, SubjectSelector.Select(tracks, SubjectPolicy.LongestTracked)!.Id);   // 45 × 0.85 > 60 × 0.35
        Assert.Equal(bystanderId, SubjectSelector.Select(tracks, SubjectPolicy.Largest)!.Id);
        Assert.Equal(moverId, SubjectSelector.Select(tracks, SubjectPolicy.MostMoving)!.Id);
    }

    [Fact]
    public void Similarity_rejects_a_box_of_very_different_size_at_the_same_place()
    {
        Assert.Equal(0, PersonTrackBuilder.Similarity(Box(100, 100, 50, 150), Box(100, 100, 20, 60)));
        Assert.True(PersonTrackBuilder.Similarity(Box(100, 100, 50, 150), Box(110, 105, 50, 150)) > 0.5f);
    }

    [Fact]
    public void Nms_keeps_other_classes_and_respects_the_iou_threshold()
    {
        var boxes = new List<ScoredBox>
        {
            new(0, 0, 100, 100, 0.9f, 0),
            new(5, 0, 100, 100, 0.8f, 0),    // IoU 0.905 with the first: suppressed
            new(0, 0, 100, 100, 0.95f, 1),   // same place, other class: kept
            new(50, 0, 100, 100, 0.7f, 0),   // IoU 1/3: kept at threshold 0.5
        };
        var kept = BoxGeometry.NonMaximumSuppression(boxes, 0.5f);
        Assert.Equal(new[] { 0.95f, 0.9f, 0.7f }, kept.Select(k => k.Score));
        Assert.Single(BoxGeometry.NonMaximumSuppression(boxes, 0.3f), k => k.ClassId == 0); // IoU 1/3 > 0.3: suppressed too
    }
}
