using System.Diagnostics;
using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Engine.Fitting.Goals;
using MonoBiomech.Engine.Fitting.Solver;
using MonoBiomech.Fitting;
using MonoBiomech.Pose;

namespace MonoBiomech.Engine.Fitting;

/// <summary>
/// Fits the body model to the keypoints of one subject's videos: clean the inputs, undo left/right label swaps, estimate
/// a gravity-aligned world per video, place the root per frame, then minimise the sum of the goals in two stages (the pose
/// from the 3D shape alone, then everything, robustly, with the 2D keypoints, the scales and the site offsets), and, with
/// <see cref="BiomechFitSettings.AdaptMotionPrior"/>, once more with the motion prior adapted to the clip and the outliers
/// the robust fit shows left out.
/// </summary>
/// <remarks>
/// Cost (per video v, normalised by its summed observation weights C_v, upstream's normalisation):
/// F = Σ_v (1/C_v)·[ Σ w·ρ₃(‖R·x + τ_t − X‖ / 1 cm) + w₂·Σ w·ρ₂(‖π(R·x) − u‖ px) + ½·(σ_n / 1 cm)²·Σ_t Σ_d (q̈_td/σ_d)² + ε·‖τ / 1 cm‖² ]
///     + ½‖β/σ_β‖² / K + N_videos·λ_Δ·‖Δ‖²
/// (K: keypoint weight of one frame). τ_t is a free offset of each frame's 3D keypoints: monocular 3D is trusted for shape,
/// not for absolute position, which comes from the reprojection term, the camera and the motion prior. Per-frame
/// coordinates with an acceleration prior (a Whittaker smoother) instead of upstream's B-spline: the normal matrix stays
/// block-banded, frames without detections are bridged by the prior, and no basis-fitting step is needed. Joint limits
/// are honoured by projection with an active set rather than upstream's tanh map, whose vanishing gradient can trap
/// joints at their limits.
/// </remarks>
public static class BiomechFitter
{
    /// <summary>Fewer keypoints than this on the model cannot determine a 40-coordinate pose.</summary>
    private const int MinimumMatchedKeypoints = 10;
    private const int MinimumFrames = 3;
    private const int PoseStageMaxIterations = 30;

    /// <summary>
    /// The pose stage only has to bring the robust fit into its basin: at 1e-4 it takes 5 iterations instead of 12 (300
    /// frames of walking), and every realistic case of the monocular bench (our model) ends the same to 0.01°.
    /// </summary>
    private const double PoseStageRelativeCostTolerance = 1e-4;

    /// <param name="keypointSets">Where keypoint sets are looked up; default: <see cref="KeypointSetCatalog.ForBodyModel"/>.</param>
    public static IReadOnlyList<BiomechFitResult> Fit(BodyModel model, IReadOnlyList<PoseSequence> videos, BiomechFitSettings settings,
        IProgress<FitProgress>? progress, CancellationToken cancellationToken, KeypointSetCatalog? keypointSets = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(videos);
        ArgumentNullException.ThrowIfNull(settings);
        if (videos.Count == 0) throw new ArgumentException("No videos to fit.", nameof(videos));
        if (settings.MaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(settings), "MaxIterations must be at least 1.");
        KeypointSetCatalog catalog = keypointSets ?? KeypointSetCatalog.ForBodyModel(model);
        if (settings.ShareBodyScales)
            return FitSubject(model, videos, settings, catalog, progress, cancellationToken);
        return videos.SelectMany(v => FitSubject(model, new[] { v }, settings, catalog, progress, cancellationToken)).ToArray();
    }

    private static IReadOnlyList<BiomechFitResult> FitSubject(BodyModel bodyModel, IReadOnlyList<PoseSequence> sequences, BiomechFitSettings settings,
        KeypointSetCatalog catalog, IProgress<FitProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        (BodyModel model, KeypointSet?[] sets) = PlaceKeypointSets(bodyModel, sequences, catalog);
        var problems = new List<VideoFitProblem>();
        var roles = new List<KeypointRoles>();
        for (int v = 0; v < sequences.Count; v++)
        {
            PoseSequence sequence = sequences[v];
            (VideoFitProblem problem, KeypointRoles keypointRoles) = Prepare(model, sequence, sets[v], settings);
            problems.Add(problem);
            roles.Add(keypointRoles);
            cancellationToken.ThrowIfCancellationRequested();
        }

        SubjectFitState state = Initialise(model, problems, roles, cancellationToken);

        var parallel = new ParallelOptions
        {
            CancellationToken = cancellationToken,
            MaxDegreeOfParallelism = settings.MaxDegreeOfParallelism > 0 ? settings.MaxDegreeOfParallelism : -1,
        };
        using var objective = new FitObjective(model, problems, parallel);
        var solver = new SchurBandedSolver(model, problems, parallel);
        var lm = new LevenbergMarquardt(objective, solver, new LevenbergMarquardtOptions(settings.RelativeCostTolerance));

        FitStage[] stages = CreateStages(model, problems, settings);
        var outcomes = new List<FitStageOutcome>();
        foreach (FitStage stage in stages)
        {
            FitStageOutcome outcome = lm.Run(stage, state, progress, cancellationToken);
            if (outcome.ExitReason == FitExitReason.Cancelled) throw new OperationCanceledException(cancellationToken);
            outcomes.Add(outcome);
        }
        if (settings.AdaptMotionPrior)
        {
            // The acceleration prior that suits walking flattens running (and the reverse passes noise): once the robust
            // fit has found the clip's motion, each coordinate's σ is raised to a multiple of its fitted RMS acceleration.
            FitStage robust = stages[^1];
            var motion = (MotionPriorGoal)robust.Goals.Single(g => g is MotionPriorGoal);
            // (A second adaptation pass was measured too: within ±0.2°, not worth its cost.)
            var adapted = new MotionPriorGoal(MotionPriorGoal.AdaptedSigmas(model, problems, state, motion.Sigmas, AdaptedSigmaPerRmsAcceleration));
            // The outliers the robust fit shows are left out of the last stage, and the 2D goal is weighted by the noise
            // its residuals show (see OutlierRejection, ReprojectionGoal).
            var residuals = problems.Select((p, v) => (Problem: p, Analysis: OutlierRejection.Find(model, p, state.Videos[v], state,
                settings.Huber3dCentimetres / CentimetresPerMetre, settings.Huber2dPixels))).ToDictionary(e => e.Problem, e => e.Analysis);
            FitGoal Adapt(FitGoal goal) => goal switch
            {
                MotionPriorGoal => adapted,
                Keypoint3dShapeGoal shape => shape.WithResiduals(residuals),
                ReprojectionGoal reprojection => reprojection.WithResiduals(residuals),
                _ => goal,
            };
            // β and Δ stay free: holding them cut a 300-frame fit from 1.75 s to 1.16 s but left running 0.2-0.5° worse.
            FitStage stage = robust with { Name = "robust fit, adapted motion prior, outliers left out", Goals = robust.Goals.Select(Adapt).ToArray() };
            FitStageOutcome outcome = lm.Run(stage, state, progress, cancellationToken);
            if (outcome.ExitReason == FitExitReason.Cancelled) throw new OperationCanceledException(cancellationToken);
            outcomes.Add(outcome);
        }
        clock.Stop();

        return problems.Select((p, v) => ResultBuilder.Build(model, p, state, v, outcomes, settings, clock.Elapsed)).ToArray();
    }

    /// <summary>
    /// The starting state: the root placed per frame from the trunk keypoints (from the 2D keypoints too where the 3D
    /// ones have no absolute position), every other coordinate neutral, τ the mean offset of each frame.
    /// </summary>
    internal static SubjectFitState Initialise(BodyModel model, IReadOnlyList<VideoFitProblem> problems, IReadOnlyList<KeypointRoles> roles,
        CancellationToken cancellationToken)
    {
        var state = new SubjectFitState(model.ScaleGroupCount, model.SiteCount, problems.Select(p => new VideoFitState(p.FrameCount, model.CoordinateCount)));
        for (int v = 0; v < problems.Count; v++)
        {
            FitInitialisation.PlaceRoot(model, problems[v], roles[v], state.Videos[v], cancellationToken);
            if (problems[v].Keypoints3dAreRootRelative)
                for (int pass = 0; pass < 2; pass++) // the second pass linearises at the depth the first one found
                    FitInitialisation.PlaceByReprojection(model, problems[v], roles[v], state.Videos[v], state.ScaleIncrements);
            FitInitialisation.InitialiseKeypointOffsets(model, problems[v], state.Videos[v], state.ScaleIncrements);
        }
        return state;
    }

    /// <summary>
    /// The two stages: the pose from the 3D shape alone (root translation held where the initialisation put it), then
    /// every goal and unknown, robustly.
    /// </summary>
    internal static FitStage[] CreateStages(BodyModel model, IReadOnlyList<VideoFitProblem> problems, BiomechFitSettings settings)
    {
        var shape = new Keypoint3dShapeGoal(settings.Huber3dCentimetres / CentimetresPerMetre);
        var offsetPrior = new KeypointOffsetPriorGoal();
        var motion = new MotionPriorGoal(model, settings.RotationAccelerationSigmaRadiansPerSecondSquared, settings.TranslationAccelerationSigmaMetresPerSecondSquared);
        var goals = new List<FitGoal>
        {
            shape, new ReprojectionGoal(settings.Weight2d, settings.Huber2dPixels), offsetPrior, motion,
            new ScalePriorGoal(settings.BodyScaleSigma, problems.Average(p => p.Binding.MatchedWeight)),
        };
        FitUnknowns all = FitUnknowns.Rotations | FitUnknowns.Translations | FitUnknowns.ScaleIncrements;
        if (settings.FitSiteOffsets)
        {
            goals.Add(new SiteOffsetPriorGoal(settings.SiteOffsetPriorWeight, problems.Count));
            all |= FitUnknowns.SiteOffsets;
        }
        return new[]
        {
            new FitStage("pose (3D shape)", new FitGoal[] { shape, offsetPrior, motion }, FitUnknowns.Rotations,
                Math.Min(settings.MaxIterations, PoseStageMaxIterations), Math.Max(settings.RelativeCostTolerance, PoseStageRelativeCostTolerance)),
            new FitStage("robust fit", goals, all, settings.MaxIterations),
        };
    }

    private const double CentimetresPerMetre = 100;

    /// <summary>
    /// The adapted prior's σ per coordinate, in multiples of the RMS acceleration the robust fit found (never below the
    /// configured σ). Chosen on the monocular bench (walking, running, jump, sit-to-stand; side and oblique views;
    /// realistic errors): worst flexion RMSE with a fixed σ of 50: walking 2.2/3.2°, running 5.2/6.3°; σ 35 adapted ×3:
    /// walking 2.2/3.1°, running 3.2/4.1°, jump 2.5/3.3°, sit-to-stand 2.2/2.4° (×2: running 3.4-4.3°; ×4: no better).
    /// </summary>
    private const double AdaptedSigmaPerRmsAcceleration = 3;

    /// <summary>
    /// The body model with the keypoint sets of the sequences placed on it (each sequence's named set, or the set whose
    /// names it has), and for each sequence its set (null when none is known: its names must then be sites of the model).
    /// </summary>
    internal static (BodyModel Model, KeypointSet?[] Sets) PlaceKeypointSets(BodyModel model, IReadOnlyList<PoseSequence> sequences, KeypointSetCatalog catalog)
    {
        var sets = new KeypointSet?[sequences.Count];
        BodyModel placed = model;
        var applied = new HashSet<string>(StringComparer.Ordinal);
        for (int v = 0; v < sequences.Count; v++)
        {
            string? name = sequences[v].KeypointSetName ?? catalog.Identify(sequences[v].JointNames);
            if (name is null) continue;
            KeypointSet? onModel = catalog.Find(name, model);
            sets[v] = onModel ?? catalog.FindAnyPlacement(name);
            if (onModel is not null && applied.Add(name)) placed = placed.WithKeypointSet(onModel);
        }
        return (placed, sets);
    }

    /// <summary>
    /// The frames from the first to the last one with a confident keypoint: before the subject appears and after it leaves
    /// there is nothing to fit, and the motion prior would only extrapolate (on a real clip: knees at −150°). The result
    /// covers these frames; its timestamps say which. Gaps inside the span are bridged by the prior.
    /// </summary>
    private static PoseSequence ObservedSpan(PoseSequence sequence)
    {
        int joints = sequence.JointCount;
        bool Observed(int t)
        {
            for (int k = 0; k < joints; k++)
                if (sequence.Confidences[t * joints + k] > 0) return true;
            return false;
        }
        int first = 0, last = sequence.FrameCount - 1;
        while (first <= last && !Observed(first)) first++;
        while (last > first && !Observed(last)) last--;
        return first > last || (first == 0 && last == sequence.FrameCount - 1) ? sequence : sequence.Slice(first, last - first + 1);
    }

    internal static (VideoFitProblem Problem, KeypointRoles Roles) Prepare(BodyModel model, PoseSequence sequence, KeypointSet? set, BiomechFitSettings settings)
    {
        sequence = ObservedSpan(sequence);
        if (sequence.FrameCount < MinimumFrames)
            throw new FitInputException(sequence.Source, FitInputProblem.TooFewFrames,
                $"'{sequence.Source}' has {sequence.FrameCount} frames from the first to the last one with keypoints; the fit needs at least {MinimumFrames}.");
        KeypointBinding binding = KeypointBinding.Create(model, sequence.JointNames, set);
        if (binding.MatchedCount < MinimumMatchedKeypoints)
            throw new FitInputException(sequence.Source, FitInputProblem.TooFewMatchingKeypoints,
                $"'{sequence.Source}': {binding.MatchedCount} keypoints match points of body model '{model.Name}'; the fit needs at least {MinimumMatchedKeypoints}.");
        var observations = new KeypointObservations(sequence, binding, set?.Name);
        KeypointCleaning.Clean(observations);
        if (settings.CorrectLeftRightSwaps) observations.SwappedFrames = KeypointCleaning.UndoLeftRightSwaps(observations);
        double noise = KeypointCleaning.EstimateNoiseVariance(observations);
        double reprojectionNoise = KeypointCleaning.EstimateReprojectionNoiseVariance(observations);
        KeypointRoles roles = KeypointRoles.Find(model, binding);
        double[] worldToCamera = FitInitialisation.EstimateWorldToCamera(observations, roles);
        return (new VideoFitProblem(observations, worldToCamera, noise, reprojectionNoise), roles);
    }
}
