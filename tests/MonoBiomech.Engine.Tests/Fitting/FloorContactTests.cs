using MonoBiomech.Engine.Fitting;

namespace MonoBiomech.Engine.Tests.Fitting;

/// <summary>The floor is where the feet stand, not where the lowest marker is (heel and toe markers sit above the sole).</summary>
public sealed class FloorContactTests
{
    [Theory]
    [FitModelData(FitTestData.Own)]
    [FitModelData(FitTestData.Upstream)]
    public void StandingLegPutsTheFloorUnderTheSoleNotUnderTheLowestMarker(string modelName)
    {
        var model = FitTestData.Load(modelName);
        int n = model.CoordinateCount, frames = 20;
        int vertical = model.FindCoordinate("pelvis_ty"), hip = model.FindCoordinate("hip_flexion_l"), knee = model.FindCoordinate("knee_angle_l");
        const double raisedMetres = 0.2;
        var q = new double[frames * n];
        for (int t = 0; t < frames; t++)
        {
            Array.Copy(FitInitialisation.NeutralPose(model), 0, q, t * n, n);
            q[t * n + vertical] = raisedMetres;
            // The right leg stands in the neutral pose; the left knee comes up with the shank vertical (foot flat, lifted).
            q[t * n + hip] = 0.8 * Math.Sin(Math.PI * t / frames);
            q[t * n + knee] = -q[t * n + hip];
        }
        double[] clearances = FloorContact.SoleClearancesMetres(model, new double[model.ScaleGroupCount]);
        Assert.Contains(clearances, c => !double.IsNaN(c));
        Assert.All(clearances.Where(c => !double.IsNaN(c)), c => Assert.InRange(c, 0, 0.15));

        double floor = FloorContact.MoveFloorToZero(model, q, frames, new double[model.ScaleGroupCount]);

        Assert.Equal(raisedMetres, floor, 1e-9);
        Assert.All(Enumerable.Range(0, frames), t => Assert.Equal(0, q[t * n + vertical], 1e-9));
    }
}
