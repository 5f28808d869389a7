using System.Globalization;
using System.Xml.Linq;
using MonoBiomech.Engine.Tests.BodyModels;
using Xunit.Abstractions;

namespace MonoBiomech.Engine.Tests.Fitting.Monocular;

/// <summary>Sites injected into the oracle's copy of an MJCF (how keypoint sets other than the model's own are placed) land where MuJoCo puts a site.</summary>
public sealed class SiteInjectionTests(ITestOutputHelper output)
{
    [MujocoTheory]
    [FitModelData(FitTestData.Own)]
    [FitModelData(FitTestData.Upstream)]
    public void AnInjectedCopyOfEverySiteIsExactlyWhereTheSiteIs(string which)
    {
        string path = FitTestData.Load(which).SourcePath;
        // The placements as a keypoint-set file would give them: name, body, position in the body frame, read off the MJCF.
        SitePlacement[] copies = XDocument.Load(path).Descendants("site")
            .Where(s => s.Parent?.Name == "body" && s.Attribute("name") is not null)
            .Select(s => new SitePlacement("copy." + (string)s.Attribute("name")!, (string)s.Parent!.Attribute("name")!,
                ((string?)s.Attribute("pos") ?? "0 0 0").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()))
            .ToArray();
        using var oracle = new MujocoOracle();
        MujocoModelDescription model = oracle.Evaluate(path, [], []).Model;
        var random = new Random(3);
        var cases = Enumerable.Range(0, 10).Select(_ => (
            Beta: model.ScaleGroups.Select(_ => 0.2 * random.NextDouble() - 0.1).ToArray(),
            Coordinates: model.Joints.Select(j => j.IsLimited ? j.LowerLimit + (j.UpperLimit - j.LowerLimit) * random.NextDouble() : 2 * random.NextDouble() - 1).ToArray())).ToList();

        MujocoEvaluation injected = oracle.Evaluate(path, copies, cases);
        Assert.Equal(model.SiteNames.Length + copies.Length, injected.Model.SiteNames.Length);
        double worst = 0;
        foreach (MujocoPose pose in injected.Poses)
            foreach (SitePlacement copy in copies)
            {
                int c = injected.Model.SiteIndex(copy.Name) * 3, s = injected.Model.SiteIndex(copy.Name["copy.".Length..]) * 3;
                Assert.Equal(injected.Model.SiteBodies[s / 3], injected.Model.SiteBodies[c / 3]);
                for (int a = 0; a < 3; a++) worst = Math.Max(worst, Math.Abs(pose.SitePositionsMetres[c + a] - pose.SitePositionsMetres[s + a]));
            }
        output.WriteLine($"{which}: {copies.Length} injected copies over {cases.Count} random poses and scales, max |copy − site| = {worst:E1} m");
        Assert.Equal(0, worst);
    }

    [MujocoTheory]
    [FitModelData(FitTestData.Own)]
    public void APlacementOnAnUnknownBodyOrWithATakenNameIsRefused(string which)
    {
        string path = FitTestData.Load(which).SourcePath;
        using var oracle = new MujocoOracle();
        var unknownBody = Assert.Throws<ArgumentException>(() => oracle.Evaluate(path, [new SitePlacement("x", "no_such_body", [0, 0, 0])], []));
        Assert.Contains("no_such_body", unknownBody.Message);
        var taken = Assert.Throws<ArgumentException>(() => oracle.Evaluate(path, [new SitePlacement("RKnee", "tibia_r", [0, 0, 0])], []));
        Assert.Contains("RKnee", taken.Message);
    }
}
