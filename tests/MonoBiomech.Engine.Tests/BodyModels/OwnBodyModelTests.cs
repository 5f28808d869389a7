using System.Text.Json;
using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Tests;
using Xunit.Abstractions;

namespace MonoBiomech.Engine.Tests.BodyModels;

/// <summary>Our default model models/monobiomech_body.xml: interchangeable with the upstream model, and a plausible 1.75 m human.</summary>
public sealed class OwnBodyModelTests(ITestOutputHelper output)
{
    [SharedDataFact]
    public void Has_the_upstream_coordinates_bodies_sites_and_scale_groups()
    {
        BodyModel own = TestModels.Load("own"), upstream = TestModels.Load("upstream");
        using JsonDocument json = TestModels.UpstreamDescription();

        Assert.Equal(upstream.Bodies.Select(b => (b.Name, b.ParentIndex)), own.Bodies.Select(b => (b.Name, b.ParentIndex)));
        Assert.Equal(40, own.CoordinateCount);
        for (int k = 0; k < own.CoordinateCount; k++)
        {
            CoordinateDefinition a = own.Coordinates[k], b = upstream.Coordinates[k];
            Assert.Equal(b.Name, a.Name);
            Assert.Equal(b.Kind, a.Kind);
            Assert.Equal(b.BodyIndex, a.BodyIndex);
            Assert.Equal(b.IsLimited, a.IsLimited);
            Assert.Equal(b.AxisInBody.X, a.AxisInBody.X, 12);
            Assert.Equal(b.AxisInBody.Y, a.AxisInBody.Y, 12);
            Assert.Equal(b.AxisInBody.Z, a.AxisInBody.Z, 12);
        }
        string[] movi = GoldenKinematicsTests.MoviOrder(json);
        Assert.Equal(movi.Order(), own.Sites.Select(s => s.Name).Order());
        foreach (string name in movi)
            Assert.Equal(upstream.Bodies[upstream.Sites[upstream.FindSite(name)].BodyIndex].Name, own.Bodies[own.Sites[own.FindSite(name)].BodyIndex].Name);
        Assert.Equal(upstream.ScaleGroups.Select(g => g.Name), own.ScaleGroups.Select(g => g.Name));
        for (int g = 0; g < own.ScaleGroupCount; g++)
            Assert.Equal(upstream.ScaleGroups[g].BodyIndices.Order(), own.ScaleGroups[g].BodyIndices.Order());
    }

    [Fact]
    public void Stands_as_a_1_75_m_human_on_the_floor_at_the_zero_pose()
    {
        BodyModel model = TestModels.Load("own");
        var workspace = new KinematicsWorkspace(model);
        Kinematics.Forward(model, new double[model.CoordinateCount], [], [], workspace);
        double Z(string site) => workspace.SitePositionsMetres[model.FindSite(site) * 3 + 2];

        double headTop = new[] { "rfronthead", "lfronthead", "rbackhead", "lbackhead" }.Max(Z);
        Assert.InRange(headTop, 1.62, 1.75);
        double vertex = workspace.BodyPositionsMetres[model.FindBody("head") * 3 + 2] + 0.2408;   // documented vertex height in the head frame
        Assert.Equal(1.75, vertex, 3);
        foreach (string foot in new[] { "RHeel", "LHeel", "RBigToe", "LBigToe", "rfourthtoe", "lfirstmetatarsal", "RFoot" })
            Assert.InRange(Z(foot), 0.0, 0.06);
        Assert.InRange(Z("RAnkle"), 0.05, 0.10);
        Assert.InRange(Z("RKnee"), 0.45, 0.55);
        Assert.InRange(Z("RHip"), 0.85, 1.0);
        Assert.InRange(Z("RShoulder"), 1.35, 1.50);
        Assert.True(Z("RShoulder") > Z("RElbow") && Z("RElbow") > Z("RWrist") && Z("RWrist") > Z("RHand"), "arms hang down");
        output.WriteLine($"head top site {headTop:F3} m, vertex {vertex:F3} m, knee {Z("RKnee"):F3} m, hip {Z("RHip"):F3} m, shoulder {Z("RShoulder"):F3} m");
    }

    [Fact]
    public void Left_and_right_mirror_each_other_across_the_sagittal_plane()
    {
        BodyModel model = TestModels.Load("own");
        var workspace = new KinematicsWorkspace(model);
        Kinematics.Forward(model, new double[model.CoordinateCount], [], [], workspace);
        int pairs = 0;
        foreach (SiteDefinition site in model.Sites)
        {
            string? mirror = MirrorName(site.Name);
            if (mirror is null) continue;
            int a = model.FindSite(site.Name), b = model.FindSite(mirror);
            Assert.True(b >= 0, $"{site.Name} has no mirror {mirror}");
            Assert.Equal(workspace.SitePositionsMetres[a * 3], workspace.SitePositionsMetres[b * 3], 12);
            Assert.Equal(-workspace.SitePositionsMetres[a * 3 + 1], workspace.SitePositionsMetres[b * 3 + 1], 12);
            Assert.Equal(workspace.SitePositionsMetres[a * 3 + 2], workspace.SitePositionsMetres[b * 3 + 2], 12);
            if (site.Name[0] is 'l' or 'L') Assert.True(workspace.SitePositionsMetres[a * 3 + 1] > 0, $"{site.Name} is on the left (+y)");
            pairs++;
        }
        Assert.Equal(78, pairs);   // 87 sites less 9 on the midline
    }

    [SharedDataFact]
    public void Sites_lie_near_the_upstream_sites_at_the_zero_pose()
    {
        BodyModel own = TestModels.Load("own"), upstream = TestModels.Load("upstream");
        var a = new KinematicsWorkspace(own);
        var b = new KinematicsWorkspace(upstream);
        Kinematics.Forward(own, new double[40], [], [], a);
        Kinematics.Forward(upstream, new double[40], [], [], b);
        var distances = own.Sites.Select(s =>
        {
            int i = own.FindSite(s.Name), j = upstream.FindSite(s.Name);
            double dx = a.SitePositionsMetres[i * 3] - b.SitePositionsMetres[j * 3];
            double dy = a.SitePositionsMetres[i * 3 + 1] - b.SitePositionsMetres[j * 3 + 1];
            double dz = a.SitePositionsMetres[i * 3 + 2] - b.SitePositionsMetres[j * 3 + 2];
            return (s.Name, Distance: Math.Sqrt(dx * dx + dy * dy + dz * dz));
        }).OrderByDescending(d => d.Distance).ToList();
        output.WriteLine($"mean {distances.Average(d => d.Distance):F3} m; largest: " +
            string.Join(", ", distances.Take(5).Select(d => $"{d.Name} {d.Distance:F3}")));
        // Upstream's joint-type hips sit ~0.1 m behind the anatomical hip centres we use; everything else is closer.
        Assert.All(distances, d => Assert.True(d.Distance < 0.15, $"{d.Name} is {d.Distance:F3} m from the upstream site"));
        Assert.True(distances.Average(d => d.Distance) < 0.05);
    }

    /// <summary>The other side's name: rknem/lknem, RHip/LHip; null for midline sites.</summary>
    private static string? MirrorName(string name)
    {
        if (name is "Head" or "Neck" or "CHip" or "mhip") return null;
        return name[0] switch
        {
            'r' => "l" + name[1..],
            'l' => "r" + name[1..],
            'R' => "L" + name[1..],
            'L' => "R" + name[1..],
            _ => null,
        };
    }
}
