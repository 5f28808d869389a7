namespace MonoBiomech.Fitting;

/// <summary>Why the fit rejected one input (a keypoint sequence) before solving anything.</summary>
public enum FitInputProblem
{
    /// <summary>Fewer than 3 frames: no velocity or acceleration can be estimated.</summary>
    TooFewFrames,
    /// <summary>Fewer than 10 keypoint names match sites of the body model (another skeleton, or another model).</summary>
    TooFewMatchingKeypoints,
    /// <summary>Every keypoint of every frame has confidence 0 (no person was found anywhere).</summary>
    NoConfidentKeypoints,
    /// <summary>No frame shows the 3 pelvis keypoints the body is placed by.</summary>
    CannotPlaceBody,
}
