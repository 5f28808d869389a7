using MonoBiomech.Detection;
using MonoBiomech.Pose;
using OpenCvSharp;

namespace MonoBiomech.Engine.Pose;

/// <summary>
/// Follows the subject through a video with the landmark network, MediaPipe's way (each frame's region from the last
/// frame's landmarks, rotated with the body) but seeded and held by the subject track of person detection: MediaPipe's
/// own loop keeps whoever it has, and on a two-person clip it wanders to the other person.
/// </summary>
internal sealed class BlazePoseTracker(BlazePoseLandmarker landmarker, CameraIntrinsics camera)
{
    /// <summary>MediaPipe's threshold: below it the region holds no person.</summary>
    public const double MinimumPoseFlag = 0.5;

    /// <summary>How far (in box sizes) the hip centre may stray outside the subject's box before the track is re-seeded.</summary>
    private const double BoxTolerance = 0.1;

    private PoseRegion? region;

    /// <summary>Landmarks were found in a re-seeded region this many times (a start, a lost track, a drift off the subject).</summary>
    public int Seeds { get; private set; }

    /// <summary>The subject's landmarks in this frame, or null (no subject box, or no person where it is).</summary>
    public BlazePoseLandmarks? Next(Mat frameBgr, PersonBox? subjectBox)
    {
        if (subjectBox is null)
        {
            region = null; // the subject is not seen: start afresh from its box when it is back
            return null;
        }
        BlazePoseLandmarks? found = null;
        if (region is PoseRegion tracked)
        {
            found = landmarker.Run(frameBgr, tracked, camera);
            if (found.PoseFlag < MinimumPoseFlag || !HipsInside(found, subjectBox)) found = null;
        }
        found ??= Seed(frameBgr, subjectBox);
        region = found?.NextRegion();
        return found;
    }

    /// <summary>An upright region from the box, then the rotated one its landmarks give (MediaPipe runs its detector's twice too).</summary>
    private BlazePoseLandmarks? Seed(Mat frameBgr, PersonBox box)
    {
        BlazePoseLandmarks first = landmarker.Run(frameBgr, PoseRegion.FromBox(box), camera);
        if (first.PoseFlag < MinimumPoseFlag) return null;
        BlazePoseLandmarks second = landmarker.Run(frameBgr, first.NextRegion(), camera);
        BlazePoseLandmarks best = second.PoseFlag >= MinimumPoseFlag && HipsInside(second, box) ? second : first;
        if (!HipsInside(best, box)) return null;
        Seeds++;
        return best;
    }

    private static bool HipsInside(BlazePoseLandmarks landmarks, PersonBox box)
    {
        double x = landmarks.ImagePixels[BlazePoseLandmarks.HipCentre * 2], y = landmarks.ImagePixels[BlazePoseLandmarks.HipCentre * 2 + 1];
        double mx = BoxTolerance * box.WidthPixels, my = BoxTolerance * box.HeightPixels;
        return x >= box.XPixels - mx && x <= box.XPixels + box.WidthPixels + mx && y >= box.YPixels - my && y <= box.YPixels + box.HeightPixels + my;
    }
}
