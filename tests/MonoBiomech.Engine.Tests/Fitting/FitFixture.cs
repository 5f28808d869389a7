using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Fitting;
using MonoBiomech.Engine.Fitting;
using MonoBiomech.Pose;

namespace MonoBiomech.Engine.Tests.Fitting;


/// <summary>A prepared and initialised fit of one sequence, for tests that look inside the solver.</summary>
internal sealed class FitFixture : IDisposable
{
    public FitFixture(BodyModel model, PoseSequence sequence, BiomechFitSettings? settings = null, int maxDegreeOfParallelism = -1)
    {
        Settings = settings ?? new BiomechFitSettings();
        (model, KeypointSet?[] sets) = BiomechFitter.PlaceKeypointSets(model, new[] { sequence }, KeypointSetCatalog.ForBodyModel(model));
        Model = model;
        (VideoFitProblem problem, KeypointRoles roles) = BiomechFitter.Prepare(model, sequence, sets[0], Settings);
        Problem = problem;
        State = BiomechFitter.Initialise(model, new[] { problem }, new[] { roles }, CancellationToken.None);
        Parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        Objective = new FitObjective(model, new[] { problem }, Parallel);
        Stages = BiomechFitter.CreateStages(model, new[] { problem }, Settings);
    }

    public BodyModel Model { get; }
    public BiomechFitSettings Settings { get; }
    public VideoFitProblem Problem { get; }
    public SubjectFitState State { get; }
    public ParallelOptions Parallel { get; }
    public FitObjective Objective { get; }

    /// <summary>[0]: the pose stage, [1]: the robust stage with every goal and unknown.</summary>
    public FitStage[] Stages { get; }

    public void Dispose() => Objective.Dispose();
}
