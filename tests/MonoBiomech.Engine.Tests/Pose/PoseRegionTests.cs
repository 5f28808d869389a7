using MonoBiomech.Detection;
using MonoBiomech.Engine.Pose;

namespace MonoBiomech.Engine.Tests.Pose;

public sealed class PoseRegionTests
{
    [Fact]
    public void Upright_body_gives_an_unrotated_square_of_two_and_a_half_times_the_alignment_distance()
    {
        var region = PoseRegion.FromAlignmentPoints(500, 800, 500, 400); // scale point straight above the hips
        Assert.Equal(0, region.RotationRadians, 12);
        Assert.Equal(1000, region.SidePixels, 9);
        Assert.Equal((500.0, 800.0), (region.CentreXPixels, region.CentreYPixels));
    }

    [Theory]
    [InlineData(1, 0, Math.PI / 2)]    // head to the right of the hips: the crop turns a quarter clockwise
    [InlineData(-1, 0, -Math.PI / 2)]  // head to the left
    [InlineData(0, 1, -Math.PI)]       // upside down (normalised into [-π, π))
    [InlineData(1, -1, Math.PI / 4)]
    public void Rotation_turns_the_hip_to_head_direction_to_the_crop_s_up(double dx, double dy, double expected)
    {
        var region = PoseRegion.FromAlignmentPoints(100, 100, 100 + 50 * dx, 100 + 50 * dy);
        Assert.Equal(expected, region.RotationRadians, 12);
        // The crop's top centre (normalised 0.5, 0) lies on the hip-to-head ray, at half the side from the centre.
        (double x, double y) = region.FromNormalised(0.5, 0);
        double norm = Math.Sqrt(dx * dx + dy * dy);
        Assert.Equal(100 + region.SidePixels / 2 * dx / norm, x, 9);
        Assert.Equal(100 + region.SidePixels / 2 * dy / norm, y, 9);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.37)]
    public void Crop_matrix_and_normalised_mapping_agree_on_every_pixel_centre(double frameScale)
    {
        var region = new PoseRegion(640.25, 360.5, 512, 0.7);
        double[] m = region.CropToFrameMatrix(256, frameScale);
        foreach ((int u, int v) in new[] { (0, 0), (255, 0), (17, 200), (128, 128), (255, 255) })
        {
            // crop pixel centre (u, v) is the normalised point ((u + ½) / 256, (v + ½) / 256)
            (double x, double y) = region.FromNormalised((u + 0.5) / 256, (v + 0.5) / 256);
            double sx = m[0] * u + m[1] * v + m[2], sy = m[3] * u + m[4] * v + m[5];
            Assert.Equal((x + 0.5) * frameScale - 0.5, sx, 9);
            Assert.Equal((y + 0.5) * frameScale - 0.5, sy, 9);
        }
    }

    [Fact]
    public void A_box_seeds_an_upright_square_on_its_centre()
    {
        var region = PoseRegion.FromBox(new PersonBox(100, 200, 300, 600, 0.9f));
        Assert.Equal((250.0, 500.0, 0.0), (region.CentreXPixels, region.CentreYPixels, region.RotationRadians));
        Assert.True(region.SidePixels > 600, "the seed square holds the whole box");
    }
}
