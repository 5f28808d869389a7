using MonoBiomech.Fitting;
using MonoBiomech.Engine.BodyModels;

namespace MonoBiomech.Engine.Fitting;

/// <summary>
/// Where the model's feet meet the floor. A model with anatomical sites has its heel and toe markers 2–4 cm above the
/// sole, so "the lowest site touches the floor" would put the floor that much too high; instead each sole site carries
/// its height above the floor in the model's neutral standing pose (the MJCF world's z = 0).
/// </summary>
internal static class FloorContact
{
    /// <summary>Sites whose neutral-pose height is within this of the lowest site's count as sole sites (foot markers, not shins).</summary>
    private const double SoleSiteBandMetres = 0.1;

    /// <summary>
    /// Per site: its height above the floor in the model's neutral pose, times its body's scale factor 1 + Σβ; NaN for
    /// sites that are not near the sole. A model whose neutral pose has a site below z = 0 does not stand on z = 0: its
    /// lowest site is taken as touching the floor.
    /// </summary>
    public static double[] SoleClearancesMetres(BodyModel model, ReadOnlySpan<double> scales)
    {
        var ws = new KinematicsWorkspace(model);
        Kinematics.Forward(model, FitInitialisation.NeutralPose(model), ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty, ws);
        double[] heights = Enumerable.Range(0, model.SiteCount).Select(s => ws.SitePositionsMetres[s * 3 + 2]).ToArray();
        double lowest = heights.Min(), floor = Math.Min(0, lowest);
        var clearance = new double[model.SiteCount];
        for (int s = 0; s < model.SiteCount; s++)
        {
            if (heights[s] - lowest > SoleSiteBandMetres) { clearance[s] = double.NaN; continue; }
            int body = model.Sites[s].BodyIndex;
            double factor = 1;
            for (int g = 0; g < model.ScaleGroupCount; g++)
                if (model.ScaleGroups[g].BodyIndices.Contains(body)) factor += scales[g];
            clearance[s] = (heights[s] - floor) * factor;
        }
        return clearance;
    }

    /// <summary>
    /// Shifts the vertical root slide of every frame so that the clip's floor is at z = 0. The clip's floor is the 5th
    /// percentile over frames of the floor each frame implies (its lowest sole site less that site's clearance).
    /// Returns the height removed, or NaN (and changes nothing) when the model has no vertical root slide.
    /// </summary>
    public static double MoveFloorToZero(BodyModel model, double[] coordinates, int frames, double[] scales)
    {
        int n = model.CoordinateCount;
        double[] clearances = SoleClearancesMetres(model, scales);
        var ws = new KinematicsWorkspace(model);
        var floors = new double[frames];
        for (int t = 0; t < frames; t++)
        {
            Kinematics.Forward(model, coordinates.AsSpan(t * n, n), scales, ReadOnlySpan<double>.Empty, ws);
            floors[t] = double.PositiveInfinity;
            for (int s = 0; s < clearances.Length; s++)
                if (!double.IsNaN(clearances[s])) floors[t] = Math.Min(floors[t], ws.SitePositionsMetres[s * 3 + 2] - clearances[s]);
        }
        // The root slide along world z (its axis does not depend on the pose of the last frame evaluated).
        int vertical = Enumerable.Range(0, n).FirstOrDefault(d => model.Coordinates[d].Kind == CoordinateKind.Translation
            && model.Coordinates[d].BodyIndex == model.Coordinates[0].BodyIndex && Math.Abs(ws.CoordinateAxesWorld[d * 3 + 2]) > 0.999, -1);
        if (vertical < 0) return double.NaN;
        Array.Sort(floors);
        double floor = floors[(int)(0.05 * (frames - 1))], sign = Math.Sign(ws.CoordinateAxesWorld[vertical * 3 + 2]);
        for (int t = 0; t < frames; t++) coordinates[t * n + vertical] -= sign * floor;
        return floor;
    }
}
