using MonoBiomech.Fitting;
using System.Text.Json;
using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Tests;

namespace MonoBiomech.Engine.Tests.BodyModels;

/// <summary>The two body models the tests exercise, and random evaluation points for them.</summary>
internal static class TestModels
{
    /// <summary>Our own default model, models/monobiomech_body.xml in the repository.</summary>
    public static string OwnModelPath => Path.Combine(SharedData.RepositoryRoot, "models", "monobiomech_body.xml");

    /// <summary>
    /// "upstream" = shared humanoid_torque.xml (needs ../shared); "own" = models/monobiomech_body.xml;
    /// "features" = the small MJCF-feature model of the reader tests.
    /// </summary>
    public static BodyModel Load(string which) => BodyModel.LoadMjcf(which switch
    {
        "upstream" => SharedData.DataFile("humanoid_torque.xml"),
        "own" => OwnModelPath,
        "features" => MjcfReaderTests.FeaturesModelPath,
        _ => throw new ArgumentOutOfRangeException(nameof(which)),
    });

    /// <summary>The upstream model as JSON (humanoid_torque_model.json): names, movi87 order, golden FK values.</summary>
    public static JsonDocument UpstreamDescription() =>
        JsonDocument.Parse(File.ReadAllText(SharedData.DataFile("humanoid_torque_model.json")));

    /// <summary>Limited coordinates uniformly inside their range; free ones (the pelvis) within ±1 m or ±π.</summary>
    public static double[] RandomPose(BodyModel model, Random random) =>
        model.Coordinates.Select(c => c.IsLimited
            ? c.LowerLimit + (c.UpperLimit - c.LowerLimit) * random.NextDouble()
            : (c.Kind == CoordinateKind.Translation ? 1.0 : Math.PI) * (2 * random.NextDouble() - 1)).ToArray();

    /// <summary>β uniform in ±0.1, the range of subjects the fitter is asked to recover.</summary>
    public static double[] RandomScales(BodyModel model, Random random) =>
        Enumerable.Range(0, model.ScaleGroupCount).Select(_ => 0.2 * random.NextDouble() - 0.1).ToArray();
}
