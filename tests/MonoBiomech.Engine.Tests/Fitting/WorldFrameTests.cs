using MonoBiomech.Engine.Fitting;
using MonoBiomech.Fitting;
using Xunit.Abstractions;

namespace MonoBiomech.Engine.Tests.Fitting;

/// <summary>The fitted world is gravity-aligned with its origin on the floor; velocities are the time derivative of the coordinates.</summary>
public sealed class WorldFrameTests(ITestOutputHelper output)
{
    [Theory]
    [FitModelData(FitTestData.Own)]
    [FitModelData(FitTestData.Upstream)]
    public void WorldIsZUpWithTheFloorAtZeroAndUprightPelvis(string modelName)
    {
        var model = FitTestData.Load(modelName);
        var video = SyntheticMotion.Generate(model, SyntheticMotionKind.Walking, 90, 30, SyntheticMotion.RandomScales(model, new Random(61)), SyntheticNoise.None, 61);
        BiomechFitResult fit = FitTestData.FitOne(model, video);
        // "Up" in camera coordinates: third column of the true world→camera rotation vs third row of the fitted camera→world one.
        double[] r = video.WorldToCamera;
        IReadOnlyList<double> rw = fit.CameraToWorldRotation;
        double cosine = r[2] * rw[6] + r[5] * rw[7] + r[8] * rw[8];
        double upErrorDegrees = Math.Acos(Math.Min(1, cosine)) * 180 / Math.PI;
        double heightError = fit.CameraPositionMetres[2] - video.CameraPositionMetres[2];
        int list = model.FindCoordinate("pelvis_list");
        double maxListDegrees = Enumerable.Range(0, fit.FrameCount).Max(t => Math.Abs(fit.CoordinateValues[t * model.CoordinateCount + list])) * 180 / Math.PI;
        output.WriteLine($"{modelName}: up error {upErrorDegrees:F2} deg, camera height {fit.CameraPositionMetres[2]:F3} m (true {video.CameraPositionMetres[2]:F3}), max |pelvis_list| {maxListDegrees:F1} deg");
        Assert.True(upErrorDegrees < 5, $"up direction off by {upErrorDegrees:F2} deg");
        Assert.True(Math.Abs(heightError) < 0.05, $"camera height off by {heightError:F3} m");
        Assert.True(maxListDegrees < 15, "an upright walker must have a small pelvis list in a z-up world");
    }

    [Fact]
    public void VelocitiesAreTheDerivativeOfTheCoordinates()
    {
        double[] times = Enumerable.Range(0, 50).Select(t => t / 30.0 + (t > 20 ? 0.01 : 0)).ToArray();
        double[] q = times.SelectMany(t => new[] { Math.Sin(2 * t), t * t }).ToArray();
        double[] v = ResultBuilder.Velocities(q, times, 2);
        for (int t = 1; t < times.Length - 1; t++)
        {
            Assert.Equal(2 * Math.Cos(2 * times[t]), v[t * 2], 2e-3);
            Assert.Equal(2 * times[t], v[t * 2 + 1], 1e-9);
        }
    }
}
