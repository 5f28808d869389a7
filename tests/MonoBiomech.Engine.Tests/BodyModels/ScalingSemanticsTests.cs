using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Tests;

namespace MonoBiomech.Engine.Tests.BodyModels;

/// <summary>The scaling semantics of biomech-fit.md §8.1.3.</summary>
public sealed class ScalingSemanticsTests
{
    public static TheoryData<string> Models => new() { "upstream", "own" };

    [SharedDataTheory]
    [MemberData(nameof(Models))]
    public void Overall_scale_moves_every_site_in_proportion_to_its_distance_from_the_pelvis(string which)
    {
        (BodyModel model, KinematicsWorkspace unscaled, KinematicsWorkspace scaled) = EvaluateWithOneScale(which, "overall", 0.1);

        int pelvis = model.FindBody("pelvis");
        double[] p = unscaled.BodyPositionsMetres.AsSpan(pelvis * 3, 3).ToArray();
        for (int j = 0; j < model.SiteCount; j++)
            for (int i = 0; i < 3; i++)
            {
                double expectedMove = 0.1 * (unscaled.SitePositionsMetres[j * 3 + i] - p[i]);
                Assert.Equal(expectedMove, scaled.SitePositionsMetres[j * 3 + i] - unscaled.SitePositionsMetres[j * 3 + i], 12);
            }
    }

    [SharedDataTheory]
    [MemberData(nameof(Models))]
    public void Left_thigh_scale_changes_only_the_left_thigh(string which)
    {
        const double delta = 0.07;
        (BodyModel model, KinematicsWorkspace unscaled, KinematicsWorkspace scaled) = EvaluateWithOneScale(which, "left_thigh", delta);

        int femur = model.FindBody("femur_l"), tibia = model.FindBody("tibia_l");
        var below = new HashSet<int>();
        for (int b = 1; b < model.BodyCount; b++)
            for (int a = b; a > 0; a = model.Bodies[a].ParentIndex)
                if (a == tibia) below.Add(b);
        Assert.Equal(new[] { "tibia_l", "talus_l", "calcn_l", "toes_l" }, below.Order().Select(b => model.Bodies[b].Name));

        double[] hip = unscaled.BodyPositionsMetres.AsSpan(femur * 3, 3).ToArray();
        double[] rigidShift = new double[3];
        Vector3D r = model.Bodies[tibia].PositionInParentMetres;
        for (int i = 0; i < 3; i++)
            rigidShift[i] = delta * (unscaled.BodyRotations[femur * 9 + i * 3] * r.X + unscaled.BodyRotations[femur * 9 + i * 3 + 1] * r.Y
                + unscaled.BodyRotations[femur * 9 + i * 3 + 2] * r.Z);

        int femurSites = 0;
        for (int j = 0; j < model.SiteCount; j++)
        {
            int body = model.Sites[j].BodyIndex;
            for (int i = 0; i < 3; i++)
            {
                double before = unscaled.SitePositionsMetres[j * 3 + i], after = scaled.SitePositionsMetres[j * 3 + i];
                double expected = body == femur ? hip[i] + (1 + delta) * (before - hip[i])
                    : below.Contains(body) ? before + rigidShift[i]
                    : before;
                Assert.Equal(expected, after, 12);
            }
            if (body == femur) femurSites++;
        }
        Assert.Equal(3, femurSites);
    }

    /// <summary>The same random pose evaluated at β = 0 and with one group's β set.</summary>
    private static (BodyModel, KinematicsWorkspace Unscaled, KinematicsWorkspace Scaled) EvaluateWithOneScale(string which, string group, double value)
    {
        BodyModel model = TestModels.Load(which);
        double[] q = TestModels.RandomPose(model, new Random(3));
        var beta = new double[model.ScaleGroupCount];
        var unscaled = new KinematicsWorkspace(model);
        var scaled = new KinematicsWorkspace(model);
        Kinematics.Forward(model, q, beta, [], unscaled);
        int g = model.FindScaleGroup(group);
        Assert.True(g >= 0, group);
        beta[g] = value;
        Kinematics.Forward(model, q, beta, [], scaled);
        return (model, unscaled, scaled);
    }
}
