using MonoBiomech.Engine.Fitting;
using MonoBiomech.Engine.Fitting.Solver;

namespace MonoBiomech.Engine.Tests.Fitting;

/// <summary>After a robust fit, a gross outlier is found in 3D and in 2D and hardly any clean observation is taken for one
/// (Gaussian errors pass 3 medians in 0.2 % of 2D observations); the inliers' errors give the noise level.</summary>
public sealed class OutlierRejectionTests
{
    [Fact]
    public void AGrossOutlierIsLeftOutAndCleanObservationsAreKept()
    {
        var model = FitTestData.Load(FitTestData.Own);
        var scales = SyntheticMotion.RandomScales(model, new Random(5));
        var synthetic = SyntheticMotion.Generate(model, SyntheticMotionKind.Walking, 90, 30, scales,
            new SyntheticNoise(Sigma3dMillimetres: 10, Sigma2dPixels: 2), 5);
        var sequence = synthetic.Keypoints;
        const int frame = 40, keypoint = 7;
        int keypoints = sequence.JointCount;
        sequence.Keypoints3dMillimetres[(frame * keypoints + keypoint) * 3 + 1] += 300;
        sequence.Keypoints2dPixels[(frame * keypoints + keypoint) * 2] += 100;

        using var fixture = new FitFixture(model, sequence);
        var lm = new LevenbergMarquardt(fixture.Objective, new SchurBandedSolver(fixture.Model, new[] { fixture.Problem }, fixture.Parallel),
            new LevenbergMarquardtOptions(1e-6));
        foreach (var stage in fixture.Stages) lm.Run(stage, fixture.State, null, CancellationToken.None);
        ResidualAnalysis analysis = OutlierRejection.Find(fixture.Model, fixture.Problem, fixture.State.Videos[0], fixture.State,
            fixture.Settings.Huber3dCentimetres / 100, fixture.Settings.Huber2dPixels);
        double[] shape = analysis.ShapeWeightFactors, reprojection = analysis.ReprojectionWeightFactors;

        int outlier = frame * keypoints + keypoint;
        Assert.Equal(0, shape[outlier]);
        Assert.Equal(0, reprojection[outlier]);
        Assert.True(shape.Count(f => f == 0) <= 1 + shape.Length / 500, $"{shape.Count(f => f == 0)} 3D observations left out");
        Assert.True(reprojection.Count(f => f == 0) <= 1 + reprojection.Length / 200, $"{reprojection.Count(f => f == 0)} 2D observations left out");

        // The inliers' errors give the noise the keypoints were made with (10 mm, 2 px per coordinate), a little less
        // where the fit absorbs part of it.
        double sigma3dMillimetres = 1000 * Math.Sqrt(analysis.NoiseVarianceSquareMetres), sigma2dPixels = Math.Sqrt(analysis.ReprojectionNoiseVarianceSquarePixels);
        Assert.InRange(sigma3dMillimetres, 8, 11);
        Assert.InRange(sigma2dPixels, 1.6, 2.2);
    }
}
