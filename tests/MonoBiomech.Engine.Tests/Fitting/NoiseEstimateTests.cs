using MonoBiomech.Engine.Fitting;
using MonoBiomech.Pose;

namespace MonoBiomech.Engine.Tests.Fitting;

/// <summary>
/// The noise estimate sets the smoothing; real motion biases it up a little (about +15–20 % in σ on walking). The offset
/// common to all points of a frame (monocular depth jitter) must not count: the fit absorbs it, it does not smooth it.
/// </summary>
public sealed class NoiseEstimateTests
{
    [Theory]
    [FitModelData(FitTestData.Own, 10.0, 0.0, 8.0, 13.0)]
    [FitModelData(FitTestData.Own, 20.0, 0.0, 17.0, 25.0)]
    [FitModelData(FitTestData.Own, 20.0, 150.0, 17.0, 25.0)]
    [FitModelData(FitTestData.Upstream, 10.0, 0.0, 8.0, 13.0)]
    [FitModelData(FitTestData.Upstream, 20.0, 150.0, 17.0, 25.0)]
    public void KeypointNoiseIsEstimatedFromTheDataAlone(string modelName, double sigmaMillimetres, double commonOffsetSigmaMillimetres,
        double lowMillimetres, double highMillimetres)
    {
        var model = FitTestData.Load(modelName);
        var synthetic = SyntheticMotion.Generate(model, SyntheticMotionKind.Walking, 120, 30, new double[model.ScaleGroupCount],
            new SyntheticNoise(sigmaMillimetres, 0, 0.05, 0.03), 13);
        PoseSequence sequence = WithCommonOffsets(synthetic.Keypoints, commonOffsetSigmaMillimetres, new Random(2));
        var observations = new KeypointObservations(sequence, KeypointBinding.Create(model, sequence.JointNames, set: null), keypointSetName: null);
        KeypointCleaning.Clean(observations);
        double sigma = 1000 * Math.Sqrt(KeypointCleaning.EstimateNoiseVariance(observations));
        Assert.InRange(sigma, lowMillimetres, highMillimetres);
    }

    /// <summary>Adds one random 3D offset per frame to all of the frame's keypoints (isotropic, σ per axis).</summary>
    private static PoseSequence WithCommonOffsets(PoseSequence sequence, double sigmaMillimetres, Random random)
    {
        double[] k3 = sequence.Keypoints3dMillimetres.ToArray();
        int joints = sequence.JointCount;
        for (int t = 0; t < sequence.FrameCount; t++)
            for (int a = 0; a < 3; a++)
            {
                double offset = sigmaMillimetres * Normal(random);
                for (int j = 0; j < joints; j++) k3[(t * joints + j) * 3 + a] += offset;
            }
        return new PoseSequence(sequence.Source, sequence.JointNames, sequence.TimestampsSeconds, k3, sequence.Keypoints2dPixels,
            sequence.Confidences, sequence.Camera);
    }

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
