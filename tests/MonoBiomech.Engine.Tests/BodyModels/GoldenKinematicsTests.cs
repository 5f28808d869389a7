using MonoBiomech.Fitting;
using System.Text.Json;
using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Tests;
using Xunit.Abstractions;

namespace MonoBiomech.Engine.Tests.BodyModels;

/// <summary>Forward kinematics against the golden values of humanoid_torque_model.json (checked there against MuJoCo 2.2.2).</summary>
public sealed class GoldenKinematicsTests(ITestOutputHelper output)
{
    [SharedDataFact]
    public void Upstream_model_has_the_documented_size_and_names()
    {
        BodyModel model = TestModels.Load("upstream");
        using JsonDocument json = TestModels.UpstreamDescription();

        Assert.Equal("GZ_DW_sub01", model.Name);
        Assert.Equal(22, model.BodyCount);
        Assert.Equal(40, model.CoordinateCount);
        Assert.Equal(87, model.SiteCount);
        Assert.Equal(8, model.ScaleGroupCount);
        Assert.Equal(3, model.Coordinates.Count(c => c.Kind == CoordinateKind.Translation));

        JsonElement joints = json.RootElement.GetProperty("joints");
        for (int k = 0; k < model.CoordinateCount; k++)
        {
            JsonElement joint = joints[k];
            CoordinateDefinition c = model.Coordinates[k];
            Assert.Equal(joint.GetProperty("name").GetString(), c.Name);
            Assert.Equal(joint.GetProperty("body").GetString(), model.Bodies[c.BodyIndex].Name);
            double[] axis = Doubles(joint.GetProperty("axis"));
            Assert.Equal(axis[0], c.AxisInBody.X, 12);
            Assert.Equal(axis[1], c.AxisInBody.Y, 12);
            Assert.Equal(axis[2], c.AxisInBody.Z, 12);
            Assert.Equal(joint.GetProperty("limited").GetBoolean(), c.IsLimited);
            double[] range = Doubles(joint.GetProperty("range"));
            Assert.Equal(range[0], c.LowerLimit, 12);
            Assert.Equal(range[1], c.UpperLimit, 12);
        }

        string[] groupNames = json.RootElement.GetProperty("scale_groups").EnumerateArray().Select(g => g.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(groupNames, model.ScaleGroups.Select(g => g.Name));
        foreach (JsonElement group in json.RootElement.GetProperty("scale_groups").EnumerateArray())
        {
            ScaleGroupDefinition definition = model.ScaleGroups[model.FindScaleGroup(group.GetProperty("name").GetString()!)];
            Assert.Equal(group.GetProperty("bodies").EnumerateArray().Select(b => b.GetString()!).Order(),
                definition.BodyIndices.Select(b => model.Bodies[b].Name).Order());
        }

        int[] moviSites = model.SiteIndices(MoviOrder(json));
        Assert.Equal(87, moviSites.Distinct().Count());
        Assert.Equal(-1, model.FindSite("no such site"));
        Assert.Equal(9, model.FindCoordinate("knee_angle_r"));
    }

    [SharedDataTheory]
    [InlineData("zero_pose")]
    [InlineData("test_pose")]
    public void Forward_matches_the_golden_body_and_site_positions(string pose)
    {
        BodyModel model = TestModels.Load("upstream");
        using JsonDocument json = TestModels.UpstreamDescription();
        JsonElement reference = json.RootElement.GetProperty("reference_fk").GetProperty(pose);

        var workspace = new KinematicsWorkspace(model);
        Kinematics.Forward(model, Doubles(reference.GetProperty("qpos")), Doubles(reference.GetProperty("body_scale")), [], workspace);

        double maxError = 0;
        int bodiesChecked = 0;
        foreach (JsonProperty body in reference.GetProperty("body_xpos").EnumerateObject())
        {
            int b = model.FindBody(body.Name);
            Assert.True(b >= 0, body.Name);
            double[] expected = Doubles(body.Value);
            for (int i = 0; i < 3; i++)
                maxError = Math.Max(maxError, Math.Abs(expected[i] - workspace.BodyPositionsMetres[b * 3 + i]));
            bodiesChecked++;
        }
        Assert.Equal(22, bodiesChecked);

        int[] moviSites = model.SiteIndices(MoviOrder(json));
        JsonElement sites = reference.GetProperty("site_xpos_movi");
        Assert.Equal(87, sites.GetArrayLength());
        for (int m = 0; m < moviSites.Length; m++)
        {
            double[] expected = Doubles(sites[m]);
            for (int i = 0; i < 3; i++)
                maxError = Math.Max(maxError, Math.Abs(expected[i] - workspace.SitePositionsMetres[moviSites[m] * 3 + i]));
        }
        output.WriteLine($"{pose}: max |C# - golden| over 22 bodies and 87 sites = {maxError:E2} m");
        Assert.True(maxError < 1e-9, $"max |error| {maxError:E2} m");
    }

    internal static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    internal static string[] MoviOrder(JsonDocument json) =>
        json.RootElement.GetProperty("movi87_order").EnumerateArray().Select(v => v.GetString()!).ToArray();
}
