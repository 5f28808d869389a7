using MonoBiomech.Engine.BodyModels;
using Xunit.Abstractions;

namespace MonoBiomech.Engine.Tests.BodyModels;

/// <summary>Forward kinematics against MuJoCo 2.2.2 mj_kinematics on random poses and scales, for both body models.</summary>
public sealed class MujocoOracleTests(ITestOutputHelper output)
{
    public static TheoryData<string> Models => new() { "upstream", "own", "features" };

    [MujocoOracleTheory]
    [MemberData(nameof(Models))]
    public void Forward_equals_mujoco_on_random_poses_and_scales(string which)
    {
        BodyModel model = TestModels.Load(which);
        var random = new Random(which.Length * 7919);
        var cases = Enumerable.Range(0, 25)
            .Select(_ => (Beta: TestModels.RandomScales(model, random), Coordinates: TestModels.RandomPose(model, random)))
            .ToList();

        using var oracle = new MujocoOracle();
        (double[] Bodies, double[] Sites)[] expected = oracle.Evaluate(model.SourcePath, cases);

        var workspace = new KinematicsWorkspace(model);
        double maxError = 0;
        for (int c = 0; c < cases.Count; c++)
        {
            Kinematics.Forward(model, cases[c].Coordinates, cases[c].Beta, [], workspace);
            Assert.Equal(expected[c].Bodies.Length, workspace.BodyPositionsMetres.Length);
            Assert.Equal(expected[c].Sites.Length, workspace.SitePositionsMetres.Length);
            for (int i = 0; i < expected[c].Bodies.Length; i++)
                maxError = Math.Max(maxError, Math.Abs(expected[c].Bodies[i] - workspace.BodyPositionsMetres[i]));
            for (int i = 0; i < expected[c].Sites.Length; i++)
                maxError = Math.Max(maxError, Math.Abs(expected[c].Sites[i] - workspace.SitePositionsMetres[i]));
        }
        output.WriteLine($"{which}: max |C# - MuJoCo| over {cases.Count} poses = {maxError:E2} m");
        Assert.True(maxError < 1e-9, $"max |C# - MuJoCo| {maxError:E2} m");
    }
}
