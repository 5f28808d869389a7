using MonoBiomech.Detection;
using MonoBiomech.Engine.Detection;
using MonoBiomech.Tests;

namespace MonoBiomech.Engine.Tests.Detection;

/// <summary>
/// The default detector on the two real clips. Ground truth was established by looking at frames with boxes drawn
/// (frames 0, 50, 99 of the force-plate clip; 40, 100, 120, 180, 200, 228 of the walking clip) and is encoded as
/// regions where each person's box centre lies.
/// </summary>
public sealed class RealVideoDetectionTests
{
    private enum Who { Subject, Bystander, Man, Woman, Unclear }

    /// <summary>Force-plate clip (1080x1920): the bystander stands at the top left, the subject fills the centre.</summary>
    private static Who ForcePlatePerson(PersonBox box)
    {
        float cx = box.CenterXPixels, cy = box.CenterYPixels;
        if (cx is >= 20 and <= 160 && cy is >= 190 and <= 630)
            return Who.Bystander;
        if (cx is >= 250 and <= 900 && cy is >= 400 and <= 1400)
            return Who.Subject;
        return Who.Unclear;
    }

    /// <summary>
    /// Walking clip (1768x994): the man stands on the box (upper band) until about frame 175, jumps off and lands on the
    /// grass right of x = 900 after frame 185; the woman walks right to left in the lower band from frame 37 and leaves
    /// the frame on the left after frame 200.
    /// </summary>
    private static Who WalkingPerson(int frame, PersonBox box)
    {
        float cx = box.CenterXPixels, cy = box.CenterYPixels;
        if (cy > 450 && (frame < 185 || cx < 600))
            return Who.Woman;
        if ((frame < 175 && cy < 420) || (frame >= 185 && cx > 900))
            return Who.Man;
        return Who.Unclear;
    }

    [SharedDataFact]
    public void Force_plate_clip_subject_track_is_on_the_moving_subject_not_the_bystander()
    {
        var result = PersonDetectionPipeline.Run(SharedData.DataFile("force_plate_subject_pose2sim_cam01.mp4"),
            new PersonDetectionSettings(), null, CancellationToken.None);
        Assert.Equal(100, result.FramesDecoded);
        var who = result.SubjectBoxes.Select(b => b is null ? (Who?)null : ForcePlatePerson(b)).ToList();
        int onSubject = who.Count(w => w == Who.Subject);
        Assert.Equal(0, who.Count(w => w == Who.Bystander));
        Assert.True(onSubject >= 80, $"subject track on the subject in {onSubject} of 100 frames (need 80)");
    }

    [SharedDataFact]
    public void Walking_clip_subject_track_follows_one_person_without_switching()
    {
        var result = PersonDetectionPipeline.Run(SharedData.DataFile("walking_sports2d_demo.mp4"),
            new PersonDetectionSettings(), null, CancellationToken.None);
        Assert.Equal(230, result.FramesDecoded);
        var who = result.SubjectBoxes.Select((b, f) => b is null ? (Who?)null : WalkingPerson(f, b)).Where(w => w is not null).ToList();
        int man = who.Count(w => w == Who.Man), woman = who.Count(w => w == Who.Woman), unclear = who.Count(w => w == Who.Unclear);
        Assert.True(who.Count >= 100, $"subject seen in only {who.Count} frames");
        Assert.True(man == 0 || woman == 0, $"subject track switched people: man in {man} frames, woman in {woman}");
        Assert.True(unclear <= who.Count / 20, $"{unclear} of {who.Count} subject boxes are on neither person");
        // The track is continuous: no missing frame between its first and last box.
        int first = result.SubjectBoxes.ToList().FindIndex(b => b is not null);
        int last = result.SubjectBoxes.ToList().FindLastIndex(b => b is not null);
        Assert.Equal(last - first + 1, result.FramesWithSubject);
    }
}
