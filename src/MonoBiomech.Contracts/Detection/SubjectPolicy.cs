namespace MonoBiomech.Detection;

/// <summary>How the one subject is chosen among the person tracks of a video.</summary>
public enum SubjectPolicy
{
    /// <summary>
    /// The track seen in the most frames, each frame weighted by its detection score (so a track that is seen
    /// clearly beats one that is barely detected for as long). Ties go to the larger track. The default.
    /// </summary>
    LongestTracked,
    /// <summary>The track with the largest mean box area (the person closest to the camera).</summary>
    Largest,
    /// <summary>
    /// The track whose box centre travels the farthest relative to its own height (summed frame to frame), i.e. the person
    /// who moves most; a bystander who stands still loses even when larger or seen longer.
    /// </summary>
    MostMoving,
}
