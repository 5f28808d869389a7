using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Engine.Fitting;
using MonoBiomech.Fitting;
using MonoBiomech.Pose;

namespace MonoBiomech.Engine.Tests.Fitting;

/// <summary>Inputs the fit cannot use are rejected before any solve with a typed problem that names the input.</summary>
public sealed class FitInputTests
{
    private static readonly BodyModel Model = FitTestData.Load(FitTestData.Own);

    private static PoseSequence Walk(string source, int frames = 12) =>
        SyntheticMotion.Generate(Model, SyntheticMotionKind.Walking, frames, 30, new double[Model.ScaleGroupCount], SyntheticNoise.None, 5, source).Keypoints;

    private static PoseSequence With(PoseSequence s, IReadOnlyList<string>? names = null, double[]? confidences = null) =>
        new(s.Source, names ?? s.JointNames, s.TimestampsSeconds, s.Keypoints3dMillimetres, s.Keypoints2dPixels, confidences ?? s.Confidences, s.Camera);

    private static FitInputException Rejection(params PoseSequence[] videos) =>
        Assert.Throws<FitInputException>(() => BiomechFitter.Fit(Model, videos, new BiomechFitSettings { MaxIterations = 2 }, null, CancellationToken.None));

    [Fact]
    public void EachKindOfUnusableInputNamesItsSourceAndProblem()
    {
        PoseSequence good = Walk("good.mp4");
        var e = Rejection(good, Walk("short.mp4", frames: 2));
        Assert.Equal(("short.mp4", FitInputProblem.TooFewFrames), (e.InputSource, e.Problem));

        var renamed = With(Walk("renamed.mp4"), names: Walk("x").JointNames.Select(n => "other_" + n).ToArray());
        e = Rejection(renamed);
        Assert.Equal(("renamed.mp4", FitInputProblem.TooFewMatchingKeypoints), (e.InputSource, e.Problem));

        PoseSequence unseen = Walk("unseen.mp4");
        e = Rejection(With(unseen, confidences: new double[unseen.Confidences.Length]));
        Assert.Equal(("unseen.mp4", FitInputProblem.NoConfidentKeypoints), (e.InputSource, e.Problem));

        // no keypoint on the pelvis, trunk or head, nor the hip centres: the body cannot be placed
        PoseSequence hidden = Walk("nopelvis.mp4");
        string[] trunk = { "pelvis", "torso", "head" };
        bool[] onTrunk = hidden.JointNames.Select(Model.FindSite)
            .Select(site => site >= 0 && (trunk.Contains(Model.Bodies[Model.Sites[site].BodyIndex].Name) || Model.Sites[site].Name is "RHip" or "LHip")).ToArray();
        double[] confidences = hidden.Confidences.Select((c, i) => onTrunk[i % hidden.JointCount] ? 0 : c).ToArray();
        e = Rejection(With(hidden, confidences: confidences));
        Assert.Equal(("nopelvis.mp4", FitInputProblem.CannotPlaceBody), (e.InputSource, e.Problem));
        Assert.Contains("'nopelvis.mp4'", e.Message);
    }
}
