using MonoBiomech.Engine.Fitting;

namespace MonoBiomech.Engine.Tests.Fitting;

/// <summary>The noise estimate sets the smoothing; real motion biases it up a little (about +15–20 % in σ on walking).</summary>
public sealed class NoiseEstimateTests
{
    [Theory]
    [FitModelData(FitTestData.Own, 0.0, 0.0, 0.02)]
    [FitModelData(FitTestData.Own, 10.0, 0.8, 1.6)]
    [FitModelData(FitTestData.Own, 20.0, 3.2, 6.0)]
    [FitModelData(FitTestData.Upstream, 0.0, 0.0, 0.02)]
    [FitModelData(FitTestData.Upstream, 10.0, 0.8, 1.6)]
    [FitModelData(FitTestData.Upstream, 20.0, 3.2, 6.0)]
    public void KeypointNoiseIsEstimatedFromTheDataAlone(string modelName, double sigmaMillimetres, double lowSquareCentimetres, double highSquareCentimetres)
    {
        var model = FitTestData.Load(modelName);
        var synthetic = SyntheticMotion.Generate(model, SyntheticMotionKind.Walking, 120, 30, new double[model.ScaleGroupCount],
            new SyntheticNoise(sigmaMillimetres, 0, 0.05, 0.03), 13);
        var video = new VideoState(model, synthetic.Keypoints, model.ScaleGroupCount);
        KeypointCleaning.Clean(video);
        double variance = KeypointCleaning.EstimateNoiseVariance(video);
        Assert.InRange(variance, lowSquareCentimetres, highSquareCentimetres);
    }
}
