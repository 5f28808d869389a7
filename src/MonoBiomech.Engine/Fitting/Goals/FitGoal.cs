namespace MonoBiomech.Engine.Fitting.Goals;

/// <summary>
/// One term of the fit's cost (as OpenSim's IK composes marker and coordinate references): it gives its cost at the
/// current state and, when asked, adds its part of the Gauss-Newton normal equations. A goal acts on a frame (keypoint
/// goals), on a video's whole trajectory (temporal priors) or on the subject (priors on the body); the solver only adds
/// up what the goals of a stage give, so a goal is added without touching it.
/// </summary>
internal abstract class FitGoal
{
    public abstract string Name { get; }

    /// <summary>Terms of one frame, called after the frame's kinematics; returns the cost.</summary>
    public virtual double AddFrameTerms(FrameEvaluation frame) => 0;

    /// <summary>Terms coupling the frames of one video; <paramref name="equations"/> is null when only the cost is wanted.</summary>
    public virtual double AddVideoTerms(VideoFitProblem problem, VideoFitState state, VideoNormalEquations? equations) => 0;

    /// <summary>Terms on the subject's body (β, Δ); <paramref name="equations"/> is null when only the cost is wanted.</summary>
    public virtual double AddSubjectTerms(SubjectFitState state, SubjectNormalEquations? equations) => 0;
}
