using MonoBiomech.Fitting;
using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Tests;

namespace MonoBiomech.Engine.Tests.BodyModels;

/// <summary>The MJCF subset: defaults and classes, angle units, orientations, scale groups, and clear rejections.</summary>
public sealed class MjcfReaderTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("monobiomech-mjcf-").FullName;

    public static string FeaturesModelPath =>
        Path.Combine(SharedData.RepositoryRoot, "tests", "MonoBiomech.Engine.Tests", "BodyModels", "TestData", "features.xml");

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Defaults_classes_and_degree_units_resolve_as_mujoco_does()
    {
        BodyModel model = BodyModel.LoadMjcf(FeaturesModelPath);

        Assert.Equal("features", model.Name);
        Assert.Equal(new[] { "world", "root", "arm", "hand", "finger", "leg" }, model.Bodies.Select(b => b.Name));
        Assert.Equal(new[] { "root_x", "root_yaw", "root_y", "arm_a", "arm_b", "hand_a", "leg_a" }, model.Coordinates.Select(c => c.Name));

        CoordinateDefinition rootX = Coordinate(model, "root_x");
        Assert.Equal(CoordinateKind.Translation, rootX.Kind);
        Assert.True(rootX.IsLimited);                       // range from the main default, autolimits
        Assert.Equal(-90, rootX.LowerLimit, 12);            // slides are not converted from degrees
        Assert.False(Coordinate(model, "root_y").IsLimited);

        CoordinateDefinition rootYaw = Coordinate(model, "root_yaw");
        Assert.Equal(-Math.PI / 2, rootYaw.LowerLimit, 12); // hinge range in degrees -> radians
        Assert.Equal(new Vector3D(0, 0, 1), rootYaw.AxisInBody);

        double h = Math.Sqrt(0.5);
        AssertClose(new Vector3D(h, h, 0), Coordinate(model, "arm_a").AxisInBody);   // childclass "limb"
        AssertClose(new Vector3D(0, 0, 1), Coordinate(model, "arm_b").AxisInBody);   // class="main" overrides, normalised
        AssertClose(new Vector3D(h, h, 0), Coordinate(model, "hand_a").AxisInBody);  // "digit" inherits the joint axis of "limb"
        Assert.Equal(Math.PI / 3, Coordinate(model, "leg_a").UpperLimit, 12);

        Assert.Equal(new Vector3D(0.01, 0.02, 0.03), Site(model, "root_default").PositionInBodyMetres);
        Assert.Equal(new Vector3D(0, -0.05, 0), Site(model, "hand_default").PositionInBodyMetres);
        Assert.Equal(new Vector3D(0, -0.05, 0), Site(model, "leg_site").PositionInBodyMetres);
        Assert.Equal(0, Site(model, "world_marker").BodyIndex);

        QuaternionD arm = model.Bodies[model.FindBody("arm")].OrientationInParent;
        Assert.Equal(Math.Cos(Math.PI / 8), arm.W, 12);
        Assert.Equal(Math.Sin(Math.PI / 8), arm.X, 12);
        QuaternionD hand = model.Bodies[model.FindBody("hand")].OrientationInParent;
        Assert.Equal(2 / Math.Sqrt(5), hand.W, 12);         // quat normalised

        Assert.Equal(new[] { "trunk", "limbs" }, model.ScaleGroups.Select(g => g.Name));
        Assert.Equal(new[] { "arm", "hand", "finger", "leg" }, model.ScaleGroups[1].BodyIndices.Select(b => model.Bodies[b].Name));
        Assert.Equal(new[] { 0, 1, 2 }, model.CoordinatesMovingSite(model.FindSite("root_default")).ToArray());
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5 }, model.CoordinatesMovingSite(model.FindSite("hand_default")).ToArray());
        Assert.Equal(new[] { 0, 1, 2, 6 }, model.CoordinatesMovingSite(model.FindSite("leg_site")).ToArray());
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5 }, model.CoordinatesMovingSite(model.FindSite("finger_tip")).ToArray());
        Assert.True(model.CoordinatesMovingSite(model.FindSite("world_marker")).IsEmpty);
    }

    [Theory]
    [InlineData("<freejoint/>", "freejoint")]
    [InlineData("<joint name=\"j\" type=\"ball\"/>", "type=\"ball\"")]
    [InlineData("<joint name=\"j\" type=\"free\"/>", "type=\"free\"")]
    [InlineData("<joint name=\"j\" type=\"twist\"/>", "unknown type")]
    [InlineData("<joint name=\"j\" pos=\"0 0.1 0\"/>", "joint anchors")]
    [InlineData("<joint name=\"j\" ref=\"0.3\"/>", "ref=0")]
    [InlineData("<joint name=\"j\" axis=\"0 0 0\"/>", "zero length")]
    [InlineData("<joint name=\"j\" axis=\"0 1\"/>", "3 numbers")]
    [InlineData("<joint name=\"j\" range=\"1 -1\" limited=\"true\"/>", "range")]
    [InlineData("<site name=\"s\" pos=\"0 0 abc\"/>", "not a finite number")]
    [InlineData("<site name=\"s\" fromto=\"0 0 0 0 0 1\"/>", "fromto")]
    [InlineData("<body name=\"c\" zaxis=\"0 1 0\"/>", "use quat, euler or axisangle")]
    [InlineData("<joint name=\"j\" class=\"missing\"/>", "not defined")]
    [InlineData("<include file=\"other.xml\"/>", "<include>")]
    public void Unsupported_body_content_is_rejected_naming_file_and_element(string content, string expected)
        => AssertRejected($"<mujoco><worldbody><body name=\"b\">{content}</body></worldbody></mujoco>", expected);

    [Fact]
    public void A_dtd_with_an_external_entity_is_refused()
    {
        string secret = Path.Combine(folder, "secret.txt");
        File.WriteAllText(secret, "0 0 1");
        string path = Write($"<?xml version=\"1.0\"?>\n<!DOCTYPE mujoco [ <!ENTITY leak SYSTEM \"file://{secret}\"> ]>\n" +
            "<mujoco><worldbody><body name=\"b\"><joint name=\"j\" axis=\"&leak;\"/></body></worldbody></mujoco>");
        var error = Assert.Throws<BodyModelFormatException>(() => BodyModel.LoadMjcf(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("DTD", error.Message);
    }

    [Theory]
    [InlineData("<mujoco><worldbody><body name=\"b\"></worldbody></mujoco>", "not well-formed")]
    [InlineData("<robot name=\"urdf\"/>", "<mujoco>")]
    [InlineData("<mujoco><compiler angle=\"grad\"/></mujoco>", "angle")]
    [InlineData("<mujoco><worldbody><joint name=\"j\"/></worldbody></mujoco>", "world body")]
    [InlineData("<mujoco><worldbody><body name=\"a\"/><body name=\"a\"/></worldbody></mujoco>", "used twice")]
    [InlineData("<mujoco><worldbody><body name=\"a\" quat=\"1 0 0 0\" euler=\"0 0 0\"/></worldbody></mujoco>", "more than one orientation")]
    [InlineData("<mujoco><worldbody><body name=\"pelvis\"/></worldbody></mujoco>", "femur_l")]
    [InlineData("<mujoco><worldbody><body name=\"a\"/></worldbody><custom><text name=\"monobiomech.scale_group.g\" data=\"a b\"/></custom></mujoco>", "'b'")]
    public void Malformed_or_unusable_models_are_rejected_naming_the_file(string xml, string expected)
        => AssertRejected(xml, expected);

    [Fact]
    public void A_missing_file_is_reported_by_name()
    {
        string path = Path.Combine(folder, "absent.xml");
        var error = Assert.Throws<FileNotFoundException>(() => BodyModel.LoadMjcf(path));
        Assert.Equal(path, error.FileName);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Radian_units_and_euler_sequences_are_honoured()
    {
        string path = Write("<mujoco><compiler angle=\"radian\" eulerseq=\"XYZ\"/><worldbody>" +
            "<body name=\"a\" euler=\"0 0 1.5707963267948966\"><joint name=\"j\" range=\"-1 1\" limited=\"true\"/></body>" +
            "</worldbody><custom><text name=\"monobiomech.scale_group.all\" data=\"a\"/></custom></mujoco>");
        BodyModel model = BodyModel.LoadMjcf(path);
        Assert.Equal(-1, model.Coordinates[0].LowerLimit, 15);
        QuaternionD q = model.Bodies[1].OrientationInParent;
        Assert.Equal(Math.Sqrt(0.5), q.W, 12);
        Assert.Equal(Math.Sqrt(0.5), q.Z, 12);
    }

    private void AssertRejected(string xml, string expected)
    {
        string path = Write(xml);
        var error = Assert.Throws<BodyModelFormatException>(() => BodyModel.LoadMjcf(path));
        Assert.Equal(path, error.FilePath);
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    private string Write(string xml)
    {
        string path = Path.Combine(folder, $"model{Guid.NewGuid():N}.xml");
        File.WriteAllText(path, xml);
        return path;
    }

    private static void AssertClose(Vector3D expected, Vector3D actual)
    {
        Assert.Equal(expected.X, actual.X, 14);
        Assert.Equal(expected.Y, actual.Y, 14);
        Assert.Equal(expected.Z, actual.Z, 14);
    }

    private static CoordinateDefinition Coordinate(BodyModel model, string name) => model.Coordinates[model.FindCoordinate(name)];

    private static SiteDefinition Site(BodyModel model, string name) => model.Sites[model.FindSite(name)];
}
