using MonoBiomech.Fitting;

namespace MonoBiomech.Engine.Fitting;

/// <summary>
/// The fit rejected one input before solving anything: <see cref="InputSource"/> names it (the <c>PoseSequence.Source</c>),
/// <see cref="Problem"/> says why. The subject's other inputs can be fitted without it.
/// </summary>
public sealed class FitInputException(string inputSource, FitInputProblem problem, string message) : Exception(message)
{
    /// <summary>The rejected sequence's Source (named so as not to hide <see cref="Exception.Source"/>).</summary>
    public string InputSource { get; } = inputSource;

    public FitInputProblem Problem { get; } = problem;
}
