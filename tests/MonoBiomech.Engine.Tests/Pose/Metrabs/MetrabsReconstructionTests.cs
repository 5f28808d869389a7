using MonoBiomech.Detection;
using MonoBiomech.Engine.Pose.Metrabs;
using MonoBiomech.Pose;
using Xunit;

namespace MonoBiomech.Engine.Tests.Pose.Metrabs;

public class MetrabsReconstructionTests
{
    private static readonly Matrix3 CropIntrinsics = new(300, 0, 128, 0, 300, 128, 0, 0, 1);

    // 40 joints of a person-sized cloud 3.5 m in front of a crop camera; some project outside the trusted area.
    private static Vector3d[] Cloud(int seed, double spreadX = 400)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, 40).Select(_ => new Vector3d(spreadX * (random.NextDouble() - 0.5) + 60, 1700 * (random.NextDouble() - 0.5) - 40,
            3500 + 300 * (random.NextDouble() - 0.5))).ToArray();
    }

    private static (float[] TwoD, float[] ThreeD) Heads(Vector3d[] points, Vector3d unknownOrigin)
    {
        var twoD = new float[points.Length * 2];
        var threeD = new float[points.Length * 3];
        for (int j = 0; j < points.Length; j++)
        {
            (twoD[2 * j], twoD[2 * j + 1]) = ((float)(300 * points[j].X / points[j].Z + 128), (float)(300 * points[j].Y / points[j].Z + 128));
            Vector3d relative = points[j] - unknownOrigin;
            (threeD[3 * j], threeD[3 * j + 1], threeD[3 * j + 2]) = ((float)relative.X, (float)relative.Y, (float)relative.Z);
        }
        return (twoD, threeD);
    }

    [Fact]
    public void Consistent_heads_give_back_the_absolute_pose()
    {
        Vector3d[] points = Cloud(1, spreadX: 3200); // wide enough that some joints fall outside [8, 216]
        var (twoD, threeD) = Heads(points, new Vector3d(-1100, 650, 2400));
        Assert.Contains(Enumerable.Range(0, points.Length), j => twoD[2 * j] < 8 || twoD[2 * j] > 216);
        var absolute = new double[points.Length * 3];
        MetrabsReconstruction.ReconstructAbsolute(twoD, threeD, CropIntrinsics, 256, absolute);
        for (int j = 0; j < points.Length; j++)
        {
            Assert.Equal(points[j].X, absolute[3 * j], 0.05);
            Assert.Equal(points[j].Y, absolute[3 * j + 1], 0.05);
            Assert.Equal(points[j].Z, absolute[3 * j + 2], 0.05);
        }
    }

    [Fact]
    public void Inside_the_trusted_area_joints_lie_on_the_2D_rays_outside_they_keep_the_3D_shape()
    {
        Vector3d[] points = Cloud(2, spreadX: 3200);
        var (twoD, threeD) = Heads(points, new Vector3d(300, 300, 2600));
        // The 3D head is off by 20 mm sideways for every joint: the translation solve absorbs it, and the joints
        // inside the trusted area still project onto the 2D head.
        for (int j = 0; j < points.Length; j++) threeD[3 * j] += 20;
        var absolute = new double[points.Length * 3];
        MetrabsReconstruction.ReconstructAbsolute(twoD, threeD, CropIntrinsics, 256, absolute);
        for (int j = 0; j < points.Length; j++)
        {
            bool inside = twoD[2 * j] is >= 8 and <= 216 && twoD[2 * j + 1] is >= 8 and <= 216;
            if (!inside) continue;
            Assert.Equal(twoD[2 * j], 300 * absolute[3 * j] / absolute[3 * j + 2] + 128, 3);
            Assert.Equal(twoD[2 * j + 1], 300 * absolute[3 * j + 1] / absolute[3 * j + 2] + 128, 3);
        }
    }

    [Fact]
    public void Unmirror_swaps_the_paired_joints()
    {
        double[] pose = { 1, 1, 1, 2, 2, 2, 3, 3, 3 };
        MetrabsReconstruction.Unmirror(pose, new[] { 2, 1, 0 });
        Assert.Equal(new double[] { 3, 3, 3, 2, 2, 2, 1, 1, 1 }, pose);
    }

    [Fact]
    public void Recombination_is_a_weighted_sum_of_joints()
    {
        double[] pose = { 1, 2, 3, 5, 7, 11 };
        float[] weights = { 0.5f, 1f, 0.5f, 0f }; // [joint, output]: output 0 = mean, output 1 = joint 0
        var recombined = new double[6];
        MetrabsReconstruction.Recombine(pose, weights, recombined);
        Assert.Equal(new double[] { 3, 4.5, 7, 1, 2, 3 }, recombined);
    }

    [Fact]
    public void Augmentations_are_rotated_back_averaged_and_their_spread_sets_the_confidence()
    {
        var camera = CameraIntrinsics.Centred(1000, 1280, 720);
        var box = new PersonBox(500, 100, 250, 500, 1);
        var geometries = new[] { new MetrabsAugmentation(0.8, 1.0, false), new MetrabsAugmentation(0.9, 0.9, true) }
            .Select(a => MetrabsCropGeometry.For(camera, box, a, 256)).ToArray();
        Vector3d[] points = Cloud(3);
        int joints = points.Length;
        var cropPoses = new double[2 * joints * 3];
        for (int a = 0; a < 2; a++)
            for (int j = 0; j < joints; j++)
            {
                Vector3d inCrop = geometries[a].Rotation * points[j];
                if (a == 1 && j == 0) inCrop += new Vector3d(60, 0, 0); // the two augmentations disagree by 60 mm about joint 0
                (cropPoses[(a * joints + j) * 3], cropPoses[(a * joints + j) * 3 + 1], cropPoses[(a * joints + j) * 3 + 2]) = (inCrop.X, inCrop.Y, inCrop.Z);
            }
        int[] wanted = { 0, 5, 7 };
        var k3 = new double[9];
        var k2 = new double[6];
        var confidences = new double[3];
        MetrabsReconstruction.CombineAugmentations(cropPoses, geometries, wanted, camera, k3, k2, confidences);
        for (int k = 1; k < 3; k++)
        {
            Vector3d p = points[wanted[k]];
            Assert.Equal(p.X, k3[3 * k], 6);
            Assert.Equal(p.Z, k3[3 * k + 2], 6);
            Assert.Equal(camera.Project(p.X, p.Y, p.Z).X, k2[2 * k], 6);
            Assert.Equal(camera.Project(p.X, p.Y, p.Z).Y, k2[2 * k + 1], 6);
            Assert.InRange(confidences[k], 0.94, 0.96);  // no spread
        }
        Assert.InRange(confidences[0], 0.45, 0.6);       // a spread of about 30 mm: half confidence
    }
}
