using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Tests;
using Xunit.Abstractions;

namespace MonoBiomech.Engine.Tests.BodyModels;

/// <summary>Analytic site Jacobians against central finite differences of <see cref="Kinematics.Forward"/>.</summary>
public sealed class JacobianTests(ITestOutputHelper output)
{
    private const double Step = 1e-6;
    private const double Tolerance = 1e-7;

    public static TheoryData<string> Models => new() { "upstream", "own", "features" };

    [SharedDataTheory]
    [MemberData(nameof(Models))]
    public void Coordinate_and_scale_jacobians_match_finite_differences(string which)
    {
        BodyModel model = TestModels.Load(which);
        var random = new Random(20261124);
        var workspace = new KinematicsWorkspace(model);
        var probe = new KinematicsWorkspace(model);
        int nq = model.CoordinateCount, ng = model.ScaleGroupCount, ns = model.SiteCount;
        var jacobianQ = new double[3 * nq];
        var jacobianBeta = new double[3 * ng];
        var compact = new double[3 * nq];
        double maxErrorQ = 0, maxErrorBeta = 0;

        for (int trial = 0; trial < 5; trial++)
        {
            double[] q = TestModels.RandomPose(model, random);
            double[] beta = TestModels.RandomScales(model, random);
            double[] offsets = Enumerable.Range(0, ns * 3).Select(_ => 0.01 * (random.NextDouble() - 0.5)).ToArray();
            Kinematics.Forward(model, q, beta, offsets, workspace);

            var numericQ = new double[ns, 3, nq];
            for (int k = 0; k < nq; k++)
                CentralDifference(q, k, v => Kinematics.Forward(model, v, beta, offsets, probe), probe, (j, i, d) => numericQ[j, i, k] = d);
            var numericBeta = new double[ns, 3, ng];
            for (int g = 0; g < ng; g++)
                CentralDifference(beta, g, v => Kinematics.Forward(model, q, v, offsets, probe), probe, (j, i, d) => numericBeta[j, i, g] = d);

            for (int j = 0; j < ns; j++)
            {
                Kinematics.SiteJacobianCoordinates(model, workspace, j, jacobianQ);
                Kinematics.SiteJacobianScales(model, workspace, j, jacobianBeta);
                var moving = model.CoordinatesMovingSite(j).ToArray();
                Kinematics.SiteJacobianCoordinatesCompact(model, workspace, j, compact);
                for (int i = 0; i < 3; i++)
                    for (int c = 0; c < moving.Length; c++)
                        Assert.Equal(jacobianQ[i * nq + moving[c]], compact[i * moving.Length + c]);
                for (int i = 0; i < 3; i++)
                {
                    for (int k = 0; k < nq; k++)
                    {
                        maxErrorQ = Math.Max(maxErrorQ, Math.Abs(jacobianQ[i * nq + k] - numericQ[j, i, k]));
                        if (Array.IndexOf(moving, k) < 0) Assert.Equal(0.0, jacobianQ[i * nq + k]);
                    }
                    for (int g = 0; g < ng; g++)
                        maxErrorBeta = Math.Max(maxErrorBeta, Math.Abs(jacobianBeta[i * ng + g] - numericBeta[j, i, g]));
                }
            }
        }
        output.WriteLine($"{which}: max |analytic - central difference| coordinates {maxErrorQ:E2}, scales {maxErrorBeta:E2}");
        Assert.True(maxErrorQ < Tolerance, $"coordinates: max |analytic - numeric| {maxErrorQ:E2}");
        Assert.True(maxErrorBeta < Tolerance, $"scales: max |analytic - numeric| {maxErrorBeta:E2}");
    }

    [SharedDataFact]
    public void Site_offset_derivative_is_the_body_rotation()
    {
        BodyModel model = TestModels.Load("upstream");
        var random = new Random(7);
        double[] q = TestModels.RandomPose(model, random), beta = TestModels.RandomScales(model, random);
        var workspace = new KinematicsWorkspace(model);
        var offsets = new double[model.SiteCount * 3];
        Kinematics.Forward(model, q, beta, offsets, workspace);
        double[] before = (double[])workspace.SitePositionsMetres.Clone();
        int site = model.FindSite("RBigToe"), body = model.Sites[site].BodyIndex;
        offsets[site * 3 + 1] = 0.02;
        Kinematics.Forward(model, q, beta, offsets, workspace);
        for (int i = 0; i < 3; i++)
            Assert.Equal(0.02 * workspace.BodyRotations[body * 9 + i * 3 + 1], workspace.SitePositionsMetres[site * 3 + i] - before[site * 3 + i], 12);
        for (int j = 0; j < model.SiteCount; j++)
            if (j != site)
                for (int i = 0; i < 3; i++) Assert.Equal(before[j * 3 + i], workspace.SitePositionsMetres[j * 3 + i]);
    }

    private static void CentralDifference(double[] point, int index, Action<double[]> evaluate, KinematicsWorkspace probe,
        Action<int, int, double> store)
    {
        double[] shifted = (double[])point.Clone();
        shifted[index] = point[index] + Step;
        evaluate(shifted);
        double[] plus = (double[])probe.SitePositionsMetres.Clone();
        shifted[index] = point[index] - Step;
        evaluate(shifted);
        for (int j = 0; j < plus.Length / 3; j++)
            for (int i = 0; i < 3; i++)
                store(j, i, (plus[j * 3 + i] - probe.SitePositionsMetres[j * 3 + i]) / (2 * Step));
    }
}
