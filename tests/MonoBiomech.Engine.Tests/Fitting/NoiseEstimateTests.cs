using MonoBiomech.Engine.Fitting;
using MonoBiomech.Tests;

namespace MonoBiomech.Engine.Tests.Fitting;

/// <summary>The noise estimate sets the smoothing; real motion biases it up a little (about +15–20 % in σ on walking).</summary>
public sealed class NoiseEstimateTests
{
    [SharedDataTheory]
    [InlineData(0, 0.0, 0.02)]
    [InlineData(10, 0.8, 1.6)]
    [InlineData(20, 3.2, 6.0)]
    public void KeypointNoiseIsEstimatedFromTheDataAlone(double sigmaMillimetres, double lowSquareCentimetres, double highSquareCentimetres)
    {
        var model = FitTestData.Load();
        var synthetic = SyntheticMotion.Generate(model, SyntheticMotionKind.Walking, 120, 30, new double[model.ScaleGroupCount],
            new SyntheticNoise(sigmaMillimetres, 0, 0.05, 0.03), 13);
        var video = new VideoState(model, synthetic.Keypoints, model.ScaleGroupCount);
        KeypointCleaning.Clean(video);
        double variance = KeypointCleaning.EstimateNoiseVariance(video);
        Assert.InRange(variance, lowSquareCentimetres, highSquareCentimetres);
    }
}
