using MonoBiomech.Engine.Tests.BodyModels;
using Xunit.Abstractions;

namespace MonoBiomech.Engine.Tests.Fitting.Monocular;

using MonoBiomech.Engine.BodyModels;

/// <summary>
/// The acceptance bench of the monocular fitter: every motion × view × error preset (<see cref="MonocularBench.Cases"/>:
/// hip-centred 3D in the side view only), fitted with default settings, must
/// recover the flexion angles (worst RMSE of hip, knee, ankle, elbow r/l: 0.5° noise-free, 1° with the common offset
/// only, 2.5° with realistic errors, absolute or hip-centred 3D) and every body's scale factor within 3 %. One row per
/// model and motion; it prints its markdown table (goal met / above goal / FAIL) and fails listing the cases beyond
/// <see cref="MonocularBench.RegressionLimitDegrees"/>: the goals, except 3.8° for realistic errors, where the 2.5° goal
/// is not yet met in every case. The same table
/// comes from `dotnet run -c Release --project bench/MonoBiomech.Bench -- fit-accuracy-monocular`.
/// </summary>
[Trait("Category", "MonocularAcceptance")]
public sealed class MonocularFitAcceptanceTests(ITestOutputHelper output)
{
    [MujocoTheory]
    [FitModelData(FitTestData.Own, MonocularMotion.Walking)]
    [FitModelData(FitTestData.Own, MonocularMotion.Running)]
    [FitModelData(FitTestData.Own, MonocularMotion.CountermovementJump)]
    [FitModelData(FitTestData.Own, MonocularMotion.SitToStand)]
    [FitModelData(FitTestData.Upstream, MonocularMotion.Walking)]
    [FitModelData(FitTestData.Upstream, MonocularMotion.Running)]
    [FitModelData(FitTestData.Upstream, MonocularMotion.CountermovementJump)]
    [FitModelData(FitTestData.Upstream, MonocularMotion.SitToStand)]
    public void FitRecoversFlexionAnglesAndBodyScales(string modelName, MonocularMotion motion)
    {
        BodyModel model = FitTestData.Load(modelName);
        MonocularMotionClip clip = MonocularTestClips.Get(modelName, motion);
        var results = new List<MonocularCaseResult>();
        foreach ((MonocularView view, MonocularPreset preset) in MonocularBench.Cases)
            results.Add(MonocularBench.FitAndMeasure(model, modelName, MonocularBench.Record(clip, view, preset), preset));
        output.WriteLine(MonocularBench.MarkdownTable(results));

        MonocularCaseResult[] failing = results.Where(r => !r.WithinRegressionLimit).ToArray();
        Assert.True(failing.Length == 0, $"{failing.Length} of {results.Count} cases exceed their limits: " + string.Join("; ", failing.Select(r =>
            r.Failure ?? $"{r.Name}: worst {r.WorstFlexionDegrees:F2}° ({r.WorstFlexionCoordinate}, goal {r.GoalDegrees}°), scale {r.MaxScaleErrorPercent:F1} % ({r.WorstScaleBody})")));
    }
}
