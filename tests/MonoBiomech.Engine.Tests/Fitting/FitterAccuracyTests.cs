using MonoBiomech.Engine.Fitting;
using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Fitting;
using MonoBiomech.Pose;
using Xunit.Abstractions;

namespace MonoBiomech.Engine.Tests.Fitting;

/// <summary>Acceptance on synthetic ground truth: the fit must recover the motion and the body that produced the keypoints.</summary>
public sealed class FitterAccuracyTests(ITestOutputHelper output)
{
    [Theory]
    [FitModelData(FitTestData.Own, true, 21)]
    [FitModelData(FitTestData.Own, false, 22)]
    [FitModelData(FitTestData.Upstream, true, 21)]
    [FitModelData(FitTestData.Upstream, false, 22)]
    public void NoiseFreeKeypointsAreFittedExactly(string modelName, bool walking, int seed)
    {
        var model = FitTestData.Load(modelName);
        var kind = walking ? SyntheticMotionKind.Walking : SyntheticMotionKind.BandLimitedRandom;
        var scales = SyntheticMotion.RandomScales(model, new Random(seed));
        var video = SyntheticMotion.Generate(model, kind, 90, 30, scales, SyntheticNoise.None, seed);
        BiomechFitResult fit = FitTestData.FitOne(model, video);
        var errors = SyntheticErrors.Compare(model, video, fit);
        double rmse = errors.RmseDegrees(model, FitTestData.JointCoordinates(model));
        output.WriteLine($"{modelName} {kind}: joint RMSE {rmse:F3} deg, site error {errors.MeanSiteErrorMillimetres:F3} mm, max scale error {100 * errors.MaxScaleFactorError:F3} %, {fit.Metrics.Iterations} iterations");
        Assert.True(rmse < 0.5, $"joint-angle RMSE {rmse:F3} deg");
        Assert.True(errors.MeanSiteErrorMillimetres < 1, $"site error {errors.MeanSiteErrorMillimetres:F3} mm");
        Assert.True(errors.MaxScaleFactorError < 0.005, $"scale error {errors.MaxScaleFactorError:P2}");
        Assert.True(fit.Metrics.Converged);
    }

    [Theory]
    [FitModelData(FitTestData.Own, true, 31)]
    [FitModelData(FitTestData.Own, false, 32)]
    [FitModelData(FitTestData.Upstream, true, 31)]
    [FitModelData(FitTestData.Upstream, false, 32)]
    public void RealisticNoiseOutliersAndMissingFramesStayWithinThreeDegrees(string modelName, bool walking, int seed)
    {
        var model = FitTestData.Load(modelName);
        var kind = walking ? SyntheticMotionKind.Walking : SyntheticMotionKind.BandLimitedRandom;
        var scales = SyntheticMotion.RandomScales(model, new Random(seed));
        var video = SyntheticMotion.Generate(model, kind, 120, 30, scales, SyntheticNoise.Realistic, seed);
        Assert.Contains(video.Keypoints.Confidences, c => c == 0);
        BiomechFitResult fit = FitTestData.FitOne(model, video);
        var errors = SyntheticErrors.Compare(model, video, fit);
        foreach (int d in FitTestData.MajorJoints(model))
        {
            double degrees = errors.CoordinateRmse[d] * 180 / Math.PI;
            output.WriteLine($"{modelName} {kind} {model.Coordinates[d].Name}: {degrees:F2} deg");
            Assert.True(degrees < 3, $"{model.Coordinates[d].Name} RMSE {degrees:F2} deg");
        }
        output.WriteLine($"max scale error {100 * errors.MaxScaleFactorError:F2} %, site error {errors.MeanSiteErrorMillimetres:F1} mm, 3D residual {fit.Metrics.Mean3dErrorMillimetres:F1} mm, 2D residual {fit.Metrics.Mean2dErrorPixels:F1} px");
        Assert.True(errors.MaxScaleFactorError < 0.03, $"scale error {errors.MaxScaleFactorError:P2}");
        Assert.Equal(0, fit.SwappedFrames);
    }

    [Theory]
    [FitModelData(FitTestData.Own, 1)]
    [FitModelData(FitTestData.Own, 5)]
    [FitModelData(FitTestData.Upstream, 1)]
    [FitModelData(FitTestData.Upstream, 5)]
    public void LeftRightSwappedFramesAreUndone(string modelName, int runFrames)
    {
        var model = FitTestData.Load(modelName);
        var scales = SyntheticMotion.RandomScales(model, new Random(5));
        var clean = SyntheticMotion.Generate(model, SyntheticMotionKind.Walking, 90, 30, scales, SyntheticNoise.Realistic with { OutlierFraction = 0, MissingFrameFraction = 0 }, 5);
        // Frames from 40 on (legs apart mid-swing) with left/right labels exchanged, as MeTRAbs does in side views.
        const int first = 40;
        PoseSequence swapped = SwapFrames(clean.Keypoints, first, runFrames);
        var video = clean with { Keypoints = swapped };
        int[] major = FitTestData.MajorJoints(model);
        int n = model.CoordinateCount;
        double WorstInRun(BiomechFitResult fit) =>
            major.Max(d => Enumerable.Range(first, runFrames).Max(t => Math.Abs(fit.CoordinateValues[t * n + d] - clean.TrueCoordinates[t * n + d]))) * 180 / Math.PI;

        BiomechFitResult corrected = FitTestData.FitOne(model, video);
        BiomechFitResult uncorrected = FitTestData.FitOne(model, video, new BiomechFitSettings { CorrectLeftRightSwaps = false });
        BiomechFitResult unswapped = FitTestData.FitOne(model, clean);
        output.WriteLine($"{modelName}, run of {runFrames}: relabelled {corrected.SwappedFrames} frames (clean clip: {unswapped.SwappedFrames}); worst major-joint error in the run " +
            $"corrected {WorstInRun(corrected):F2} deg, uncorrected {WorstInRun(uncorrected):F2} deg, clean {WorstInRun(unswapped):F2} deg");
        Assert.Equal(runFrames, corrected.SwappedFrames);
        Assert.Equal(0, unswapped.SwappedFrames);
        Assert.True(WorstInRun(corrected) < WorstInRun(unswapped) + 1);
        Assert.True(WorstInRun(uncorrected) > 10, "the swap should matter when not corrected");
    }

    [Theory]
    [FitModelData(FitTestData.Own)]
    [FitModelData(FitTestData.Upstream)]
    public void GapWithoutDetectionsIsBridgedSmoothly(string modelName)
    {
        var model = FitTestData.Load(modelName);
        var video = SyntheticMotion.Generate(model, SyntheticMotionKind.Walking, 90, 30, SyntheticMotion.RandomScales(model, new Random(71)), SyntheticNoise.None, 71);
        // 0.3 s without a person (upstream's zero-filled frames, confidence 0), plus the first 3 frames.
        PoseSequence k = video.Keypoints;
        double[] k3 = (double[])k.Keypoints3dMillimetres.Clone(), k2 = (double[])k.Keypoints2dPixels.Clone(), c = (double[])k.Confidences.Clone();
        int joints = k.JointCount;
        foreach (int t in Enumerable.Range(40, 9).Concat(Enumerable.Range(0, 3)))
        {
            Array.Clear(k3, t * joints * 3, joints * 3);
            Array.Clear(k2, t * joints * 2, joints * 2);
            Array.Fill(c, 1.0, t * joints, joints); // confidences faked to 1 as upstream does: the zeros must be recognised anyway
        }
        var gapped = new PoseSequence(k.Source, k.JointNames, k.TimestampsSeconds, k3, k2, c, k.Camera);
        BiomechFitResult fit = BiomechFitter.Fit(model, new[] { gapped }, new BiomechFitSettings(), null, CancellationToken.None)[0];
        var errors = SyntheticErrors.Compare(model, video, fit);
        int n = model.CoordinateCount;
        double worstInGap = FitTestData.MajorJoints(model).Max(d => Enumerable.Range(40, 9).Max(t => Math.Abs(fit.CoordinateValues[t * n + d] - video.TrueCoordinates[t * n + d]))) * 180 / Math.PI;
        output.WriteLine($"{modelName} gap: worst major-joint error inside the gap {worstInGap:F2} deg; whole-clip joint RMSE {errors.RmseDegrees(model, FitTestData.JointCoordinates(model)):F2} deg");
        Assert.True(worstInGap < 10, $"gap error {worstInGap:F2} deg");
        Assert.True(errors.RmseDegrees(model, FitTestData.MajorJoints(model)) < 3);
    }

    [Theory]
    [FitModelData(FitTestData.Own)]
    [FitModelData(FitTestData.Upstream)]
    public void TwoVideosOfOneSubjectShareBodyScales(string modelName)
    {
        var model = FitTestData.Load(modelName);
        var scales = SyntheticMotion.RandomScales(model, new Random(41));
        var first = SyntheticMotion.Generate(model, SyntheticMotionKind.Walking, 90, 30, scales, SyntheticNoise.Realistic, 41, "first");
        var second = SyntheticMotion.Generate(model, SyntheticMotionKind.BandLimitedRandom, 90, 30, scales, SyntheticNoise.Realistic, 42, "second");
        var fits = BiomechFitter.Fit(model, new[] { first.Keypoints, second.Keypoints }, new BiomechFitSettings(), null, CancellationToken.None);
        Assert.Equal(2, fits.Count);
        Assert.Equal(new[] { "first", "second" }, fits.Select(f => f.Source));
        Assert.Equal(fits[0].ScaleIncrements, fits[1].ScaleIncrements);
        var errors = new[] { SyntheticErrors.Compare(model, first, fits[0]), SyntheticErrors.Compare(model, second, fits[1]) };
        output.WriteLine($"{modelName} shared: max scale error {100 * errors[0].MaxScaleFactorError:F2} %; knee RMSE {errors[0].RmseDegrees(model, new[] { model.FindCoordinate("knee_angle_r") }):F2} / {errors[1].RmseDegrees(model, new[] { model.FindCoordinate("knee_angle_r") }):F2} deg");
        Assert.True(errors[0].MaxScaleFactorError < 0.02);

        var separate = BiomechFitter.Fit(model, new[] { first.Keypoints, second.Keypoints }, new BiomechFitSettings { ShareBodyScales = false }, null, CancellationToken.None);
        Assert.NotEqual(separate[0].ScaleIncrements, separate[1].ScaleIncrements);
    }

    [Fact]
    public void CancellationStopsTheFit()
    {
        var model = FitTestData.Load(FitTestData.Own);
        var video = SyntheticMotion.Generate(model, SyntheticMotionKind.Walking, 300, 30, new double[model.ScaleGroupCount], SyntheticNoise.Realistic, 8);
        using var source = new CancellationTokenSource();
        var reports = new List<FitProgress>();
        var progress = new InlineProgress(p => { reports.Add(p); if (reports.Count == 2) source.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => BiomechFitter.Fit(model, new[] { video.Keypoints }, new BiomechFitSettings(), progress, source.Token));
        Assert.Equal(2, reports.Count);
        Assert.True(reports[0].Cost > 0 && reports[0].MaxIterations > 0 && reports[0].Stage.Length > 0);
    }

    private static PoseSequence SwapFrames(PoseSequence s, int first, int count)
    {
        KeypointSet set = KeypointSetCatalog.ForBodyModel(FitTestData.Load(FitTestData.Own)).FindAnyPlacement("bml_movi_87")!;
        int[] partner = KeypointBinding.Create(FitTestData.Load(FitTestData.Own), s.JointNames, set).MirrorOfKeypoint;
        double[] k3 = (double[])s.Keypoints3dMillimetres.Clone(), k2 = (double[])s.Keypoints2dPixels.Clone();
        int joints = s.JointCount;
        for (int frame = first; frame < first + count; frame++)
            for (int j = 0; j < joints; j++)
            {
                int m = partner[j];
                for (int a = 0; a < 3; a++) k3[(frame * joints + j) * 3 + a] = s.Keypoints3dMillimetres[(frame * joints + m) * 3 + a];
                for (int a = 0; a < 2; a++) k2[(frame * joints + j) * 2 + a] = s.Keypoints2dPixels[(frame * joints + m) * 2 + a];
            }
        return new PoseSequence(s.Source, s.JointNames, s.TimestampsSeconds, k3, k2, s.Confidences, s.Camera) { KeypointSetName = s.KeypointSetName };
    }

    private sealed class InlineProgress(Action<FitProgress> report) : IProgress<FitProgress>
    {
        public void Report(FitProgress value) => report(value);
    }
}
