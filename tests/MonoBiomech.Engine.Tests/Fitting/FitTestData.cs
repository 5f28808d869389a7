using MonoBiomech.Engine.Fitting;
using MonoBiomech.Tests;

namespace MonoBiomech.Engine.Tests.Fitting;

using MonoBiomech.Engine.BodyModel;

/// <summary>The body model for fitting tests (shared humanoid_torque.xml) and the coordinate sets the acceptance criteria name.</summary>
internal static class FitTestData
{
    private static readonly Lazy<BodyModel> Model = new(() => BodyModel.LoadMjcf(SharedData.DataFile("humanoid_torque.xml")));

    public static BodyModel Load() => Model.Value;

    public static int[] MajorJoints(BodyModel model) => new[]
    {
        "hip_flexion_r", "hip_flexion_l", "hip_adduction_r", "hip_adduction_l", "knee_angle_r", "knee_angle_l",
        "ankle_angle_r", "ankle_angle_l", "elbow_flex_r", "elbow_flex_l",
    }.Select(model.FindCoordinate).ToArray();

    /// <summary>All non-root coordinates (the root's angles depend on the world chart, which the fit chooses itself).</summary>
    public static IEnumerable<int> JointCoordinates(BodyModel model) =>
        Enumerable.Range(0, model.CoordinateCount).Where(d => model.Coordinates[d].BodyIndex != model.Coordinates[0].BodyIndex);

    public static BiomechFitResult FitOne(BodyModel model, SyntheticVideo video, BiomechFitSettings? settings = null) =>
        BiomechFitter.Fit(model, new[] { video.Keypoints }, settings ?? new BiomechFitSettings(), null, CancellationToken.None)[0];
}
