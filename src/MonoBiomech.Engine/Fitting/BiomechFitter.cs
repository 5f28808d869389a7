using System.Diagnostics;
using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Fitting;
using MonoBiomech.Pose;

namespace MonoBiomech.Engine.Fitting;

/// <summary>
/// Fits the body model to the keypoints of one subject's videos (biomech-fit.md §7, with the changes documented on
/// <see cref="SubjectFit"/>): clean the inputs, undo single-frame left/right swaps, estimate a gravity-aligned world per
/// video, initialise the root per frame, then solve in stages (pose from 3D only → everything robustly with 2D, β and Δ).
/// </summary>
public static class BiomechFitter
{
    public static IReadOnlyList<BiomechFitResult> Fit(BodyModel model, IReadOnlyList<PoseSequence> videos, BiomechFitSettings settings,
        IProgress<FitProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(videos);
        ArgumentNullException.ThrowIfNull(settings);
        if (videos.Count == 0) throw new ArgumentException("No videos to fit.", nameof(videos));
        if (settings.MaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(settings), "MaxIterations must be at least 1.");
        if (settings.ShareBodyScales)
            return FitSubject(model, videos, settings, progress, cancellationToken);
        return videos.SelectMany(v => FitSubject(model, new[] { v }, settings, progress, cancellationToken)).ToArray();
    }

    private static IReadOnlyList<BiomechFitResult> FitSubject(BodyModel model, IReadOnlyList<PoseSequence> sequences, BiomechFitSettings settings,
        IProgress<FitProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var states = new List<VideoState>();
        foreach (PoseSequence sequence in sequences)
        {
            if (sequence.FrameCount < 3) throw new FitInputException(sequence.Source, FitInputProblem.TooFewFrames, $"'{sequence.Source}' has {sequence.FrameCount} frames; the fit needs at least 3.");
            var state = new VideoState(model, sequence, model.ScaleGroupCount);
            if (state.SiteOfKeypoint.Count(s => s >= 0) < 10)
                throw new FitInputException(sequence.Source, FitInputProblem.TooFewMatchingKeypoints, $"'{sequence.Source}': fewer than 10 keypoint names match sites of body model '{model.Name}'.");
            KeypointCleaning.Clean(state);
            if (settings.CorrectLeftRightSwaps) state.SwappedFrames = KeypointCleaning.UndoLeftRightSwaps(state, sequence.JointNames);
            state.NoiseVarianceSquareCentimetres = KeypointCleaning.EstimateNoiseVariance(state);
            double confidenceSum = state.Confidence.Sum();
            if (confidenceSum <= 0) throw new FitInputException(sequence.Source, FitInputProblem.NoConfidentKeypoints, $"'{sequence.Source}' has no keypoint with confidence > 0.");
            state.InverseConfidenceSum = 1 / confidenceSum;
            Initialisation.EstimateWorld(state, sequence.JointNames);
            cancellationToken.ThrowIfCancellationRequested();
            Initialisation.InitialiseRoot(model, state, cancellationToken);
            states.Add(state);
        }

        using var fit = new SubjectFit(model, states, settings, cancellationToken);
        Initialisation.InitialiseTranslation(model, states, fit.Scales);
        int poseIterations = Math.Max(1, Math.Min(settings.MaxIterations, 30));
        fit.Run(new FitStage("pose (3D only)", Use2d: false, SolveScales: false, FreezeSlides: true, FitSiteOffsets: false, poseIterations), progress);
        fit.Run(new FitStage("robust fit", Use2d: true, SolveScales: true, FreezeSlides: false, FitSiteOffsets: settings.FitSiteOffsets, settings.MaxIterations), progress);
        clock.Stop();

        return states.Select(s => ResultBuilder.Build(model, fit, s, clock.Elapsed)).ToArray();
    }
}
