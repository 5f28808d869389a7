using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Fitting;
using MonoBiomech.Engine.Fitting;
using MonoBiomech.Pose;
using Xunit.Abstractions;

namespace MonoBiomech.Engine.Tests.Fitting;

/// <summary>
/// The fitter knows no keypoint set: a sequence carrying only the 33 BlazePose landmarks (placed on our model by
/// models/keypointsets/blazepose_33.monobiomech_body.json), with hip-centred 3D and no absolute depth, fits on our model.
/// </summary>
public sealed class KeypointSetFitTests(ITestOutputHelper output)
{
    [Theory]
    // Measured: noise-free 0.8° (hip flexion: two hip landmarks cannot tell pelvis tilt from lumbar extension, so the
    // split is left to the priors); 20 mm / 3 px: ≤ 2.4° at hip and knee, 4.4° at the ankle, which three foot landmarks
    // 0.2 m apart observe with 20 mm errors (about 6° per point).
    [InlineData(true, 0.0, 1.0)]
    [InlineData(true, 20.0, 5.0)]
    [InlineData(false, 20.0, 5.0)]
    public void BlazePoseLandmarksAloneFitOurModel(bool rootRelative, double noiseMillimetres, double maximumDegrees)
    {
        var model = FitTestData.Load(FitTestData.Own);
        KeypointSet blazePose = KeypointSetCatalog.ForBodyModel(model).Find("blazepose_33", model)!;
        var withLandmarks = model.WithKeypointSet(blazePose);
        var scales = SyntheticMotion.RandomScales(model, new Random(8));
        var noise = noiseMillimetres > 0 ? new SyntheticNoise(noiseMillimetres, 3, 0.02, 0.02) : SyntheticNoise.None;
        SyntheticVideo all = SyntheticMotion.Generate(withLandmarks, SyntheticMotionKind.Walking, 150, 30, scales, noise, 8);
        PoseSequence landmarks = Subset(all.Keypoints, blazePose, rootRelative);

        BiomechFitResult fit = BiomechFitter.Fit(model, new[] { landmarks }, new BiomechFitSettings(), null, CancellationToken.None)[0];
        int n = model.CoordinateCount;
        foreach (int d in FitTestData.MajorJoints(model))
        {
            double rmse = Math.Sqrt(Enumerable.Range(0, fit.FrameCount).Average(t => Math.Pow(fit.CoordinateValues[t * n + d] - all.TrueCoordinates[t * n + d], 2))) * 180 / Math.PI;
            output.WriteLine($"relative {rootRelative}, noise {noiseMillimetres} mm: {model.Coordinates[d].Name} {rmse:F2} deg");
            Assert.True(rmse < maximumDegrees, $"{model.Coordinates[d].Name}: {rmse:F2} deg");
        }
        Assert.Contains("left_knee", fit.SiteNames);
    }

    /// <summary>The set's landmarks out of a sequence of all sites; with <paramref name="rootRelative"/> the 3D is re-centred per frame on the mid-hip.</summary>
    private static PoseSequence Subset(PoseSequence all, KeypointSet set, bool rootRelative)
    {
        int[] index = set.Names.Select(name => all.JointNames.ToList().IndexOf(name)).ToArray();
        int frames = all.FrameCount, k = index.Length, j = all.JointCount;
        var k3 = new double[frames * k * 3]; var k2 = new double[frames * k * 2]; var c = new double[frames * k];
        int leftHip = set.IndexOf("left_hip"), rightHip = set.IndexOf("right_hip");
        for (int t = 0; t < frames; t++)
        {
            for (int i = 0; i < k; i++)
            {
                for (int a = 0; a < 3; a++) k3[(t * k + i) * 3 + a] = all.Keypoints3dMillimetres[(t * j + index[i]) * 3 + a];
                for (int a = 0; a < 2; a++) k2[(t * k + i) * 2 + a] = all.Keypoints2dPixels[(t * j + index[i]) * 2 + a];
                c[t * k + i] = all.Confidences[t * j + index[i]];
            }
            if (!rootRelative || c[t * k + leftHip] == 0) continue;
            for (int a = 0; a < 3; a++)
            {
                double centre = 0.5 * (k3[(t * k + leftHip) * 3 + a] + k3[(t * k + rightHip) * 3 + a]);
                for (int i = 0; i < k; i++) k3[(t * k + i) * 3 + a] -= centre;
            }
        }
        return new PoseSequence("blazepose", set.Names, all.TimestampsSeconds, k3, k2, c, all.Camera)
        {
            KeypointSetName = set.Name,
            Keypoints3dAreRootRelative = rootRelative,
        };
    }
}
