using MonoBiomech.Engine.Detection;

namespace MonoBiomech.Engine.Tests.Detection;

public sealed class DefaultDetectorTests
{
    private static ScoredBox Fragment(float x, float y, float w, float h) => new(x, y, w, h, 0.6f, 0);

    [Fact]
    public void A_swinging_arm_above_and_a_stepping_leg_below_become_one_person()
    {
        // Arm+head fragment at the top right, leg fragment lower left, gap of 40 px: one person 118 x 178.
        var merged = DefaultPersonDetector.MergeStackedFragments([Fragment(72, 57, 50, 40), Fragment(4, 140, 35, 95)], []);
        var person = Assert.Single(merged);
        Assert.Equal((4f, 57f, 118f, 178f), (person.X, person.Y, person.Width, person.Height));
    }

    [Fact]
    public void Two_upright_people_one_above_the_other_stay_apart()
    {
        // A man standing on a box above a woman walking below him.
        var clusters = DefaultPersonDetector.MergeStackedFragments([Fragment(100, 10, 15, 40), Fragment(98, 70, 20, 60)], []);
        Assert.Equal(2, clusters.Count);
    }

    [Fact]
    public void A_fragment_that_a_hog_person_box_covers_is_a_whole_person()
    {
        var people = new List<ScoredBox> { new(90, 60, 40, 75, 0.8f, 0) };
        var clusters = DefaultPersonDetector.MergeStackedFragments([Fragment(100, 20, 40, 30), Fragment(98, 70, 30, 60)], people);
        Assert.Equal(2, clusters.Count);
        Assert.Single(DefaultPersonDetector.MergeStackedFragments([Fragment(100, 20, 40, 30), Fragment(98, 70, 30, 60)], []));
    }

    [Fact]
    public void Fragments_far_apart_sideways_are_different_people()
    {
        var clusters = DefaultPersonDetector.MergeStackedFragments([Fragment(0, 0, 30, 40), Fragment(200, 60, 30, 50)], []);
        Assert.Equal(2, clusters.Count);
    }
}
