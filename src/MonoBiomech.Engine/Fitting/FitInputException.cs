namespace MonoBiomech.Engine.Fitting;

/// <summary>What is wrong with a video's keypoints for the fit.</summary>
public enum FitInputProblem
{
    TooFewFrames,
    TooFewMatchingKeypoints,
    NoConfidentKeypoints,
    CannotPlaceBody,
}

/// <summary>A video's keypoints cannot be fitted; <see cref="VideoSource"/> names the video, <see cref="Problem"/> says why.</summary>
public sealed class FitInputException(string source, FitInputProblem problem, string message) : Exception(message)
{
    public string VideoSource { get; } = source;
    public FitInputProblem Problem { get; } = problem;
}
