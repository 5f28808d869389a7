using MonoBiomech.Fitting;
using MonoBiomech.Engine.Fitting;

namespace MonoBiomech.Engine.Tests.Fitting;

/// <summary>The same input and settings give bit-identical results at any thread count (partial sums in a fixed order).</summary>
public sealed class DeterminismTests
{
    [Fact]
    public void ResultsAreBitIdenticalAtAnyThreadCount()
    {
        var model = FitTestData.Load(FitTestData.Own);
        var scales = SyntheticMotion.RandomScales(model, new Random(17));
        var video = SyntheticMotion.Generate(model, SyntheticMotionKind.Walking, 150, 30, scales, SyntheticNoise.Realistic, 17);
        BiomechFitResult Fit(int threads) => FitTestData.FitOne(model, video, new BiomechFitSettings { MaxDegreeOfParallelism = threads, MaxIterations = 20 });
        BiomechFitResult one = Fit(1), two = Fit(2), three = Fit(3);
        foreach (BiomechFitResult other in new[] { two, three })
        {
            Assert.Equal(one.Metrics.Iterations, other.Metrics.Iterations);
            Assert.Equal(one.Metrics.FinalCost, other.Metrics.FinalCost);
            Assert.Equal(one.CoordinateValues, other.CoordinateValues);
            Assert.Equal(one.ScaleIncrements, other.ScaleIncrements);
            Assert.Equal(one.SiteOffsetsMetres, other.SiteOffsetsMetres);
        }
    }
}
