using System.Collections.Concurrent;
using System.Reflection;
using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Engine.Fitting;
using MonoBiomech.Engine.Tests.BodyModels;
using MonoBiomech.Fitting;
using MonoBiomech.Tests;
using Xunit.Sdk;

namespace MonoBiomech.Engine.Tests.Fitting;

/// <summary>
/// The body models the fitting tests run on and the coordinate sets the acceptance criteria name. "own" is the product's
/// default model (models/monobiomech_body.xml, always in the repository); "upstream" is the shared humanoid_torque.xml.
/// </summary>
internal static class FitTestData
{
    public const string Own = "own";
    public const string Upstream = "upstream";

    private static readonly ConcurrentDictionary<string, Lazy<BodyModel>> Models = new();

    /// <summary>The named model, loaded once per test run (models are immutable).</summary>
    public static BodyModel Load(string which) => Models.GetOrAdd(which, name => new Lazy<BodyModel>(() => TestModels.Load(name))).Value;

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

/// <summary>
/// One theory row whose first argument names a fitting model (<see cref="FitTestData.Own"/> or <see cref="FitTestData.Upstream"/>).
/// Rows on the upstream model are skipped with a visible reason where ../shared is absent; rows on our own model always run.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class FitModelDataAttribute : DataAttribute
{
    private readonly object[] row;

    public FitModelDataAttribute(string model, params object[] arguments)
    {
        row = new object[] { model }.Concat(arguments).ToArray();
        if (model == FitTestData.Upstream && SharedData.Directory is null)
            Skip = "the upstream model needs ../shared (the team's shared data), absent beside the repository; set MONOBIOMECH_SHARED to run this row.";
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => new[] { row };
}
