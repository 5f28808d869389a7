using MonoBiomech.Pose;
using Xunit.Abstractions;

namespace MonoBiomech.Engine.Tests.Pose;

using MonoBiomech.Engine.BodyModels;

/// <summary>
/// BlazePose-33 on our model, checked for anatomical sense at the neutral pose with the engine's forward kinematics
/// (world: x forward, y to the subject's left, z up, floor at 0). The checks are a function that lists problems, so
/// the second test can show that each check catches a misplaced landmark.
/// </summary>
public sealed class KeypointSetAnatomyTests(ITestOutputHelper output)
{
    /// <summary>Stature of models/monobiomech_body.xml: the head vertex at the neutral pose (documented in the MJCF header).</summary>
    private const double Stature = 1.75;

    [Fact]
    public void BlazePose_33_on_our_model_is_anatomically_placed_at_the_neutral_pose()
    {
        KeypointSet set = KeypointSet.Load(ShippedKeypointSets.PathOf(ShippedKeypointSets.BlazePoseOwn));
        BodyModel model = ShippedKeypointSets.Model(ShippedKeypointSets.BlazePoseOwn);
        Assert.Equal(33, set.Count);
        Assert.Equal(BlazePoseOrder, set.Names);

        var world = new NeutralPose(model);
        foreach (KeypointPlacement k in set.Keypoints)
        {
            V p = world.Of(k);
            output.WriteLine($"{k.Name,-17} {k.BodyName,-10} world ({p.X,7:F3}, {p.Y,7:F3}, {p.Z,6:F3}) m, {p.Z / Stature:F3} H, weight {k.DefaultWeight}");
        }
        List<string> problems = AnatomyProblems(set, model);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    public static TheoryData<string, string> Misplacements => new()
    {
        { "face mirrored (left eye on the right)", "left-ness" },
        { "heel under the forefoot", "heel behind the ankle" },
        { "knee at the hip", "within 3 cm of LKnee" },
        { "nose below the mouth", "nose above the mouth" },
        { "ears in front of the eyes", "ears behind the eyes" },
        { "hips 16 cm too wide", "hips 0.15-0.35 m apart" },
        { "wrist on the forearm's elbow end", "wrist below the elbow" },
        { "toe tip 5 cm above the floor", "foot_index near the floor" },
        { "left pinky on the right hand", "left-ness" },
        { "eyes 5 cm too low", "eye height" },
    };

    [Theory]
    [MemberData(nameof(Misplacements))]
    public void The_anatomy_checks_catch_a_misplaced_landmark(string misplacement, string expectedProblem)
    {
        KeypointSet set = KeypointSet.Load(ShippedKeypointSets.PathOf(ShippedKeypointSets.BlazePoseOwn));
        BodyModel model = ShippedKeypointSets.Model(ShippedKeypointSets.BlazePoseOwn);
        KeypointPlacement[] k = set.Keypoints.ToArray();
        int I(string name) => set.IndexOf(name);
        void Move(string name, double dx, double dy, double dz) =>
            k[I(name)] = k[I(name)] with { Position = new LocalPositionMetres(k[I(name)].Position.X + dx, k[I(name)].Position.Y + dy, k[I(name)].Position.Z + dz) };
        switch (misplacement)
        {
            case "face mirrored (left eye on the right)":
                foreach (string name in new[] { "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer" })
                    k[I(name)] = k[I(name)] with { Position = k[I(name)].Position.Mirrored };
                break;
            case "heel under the forefoot": Move("left_heel", 0.15, 0, 0); break;
            case "knee at the hip": k[I("left_knee")] = k[I("left_knee")] with { BodyName = "femur_l" }; break;
            case "nose below the mouth": Move("nose", 0, -0.05, 0); break;
            case "ears in front of the eyes": Move("left_ear", 0.10, 0, 0); break;
            case "hips 16 cm too wide": Move("left_hip", 0, 0, -0.08); Move("right_hip", 0, 0, 0.08); break;
            case "wrist on the forearm's elbow end": k[I("left_wrist")] = k[I("left_wrist")] with { BodyName = "radius_l" }; break;
            case "toe tip 5 cm above the floor": Move("right_foot_index", 0, 0.05, 0); break;
            case "left pinky on the right hand": k[I("left_pinky")] = k[I("left_pinky")] with { BodyName = "hand_r" }; break;
            case "eyes 5 cm too low":
                foreach (string name in new[] { "left_eye", "right_eye" }) Move(name, 0, -0.05, 0);
                break;
            default: throw new ArgumentOutOfRangeException(nameof(misplacement));
        }
        List<string> problems = AnatomyProblems(new KeypointSet(set.Name, set.BodyModelName, set.Description, k), model);
        output.WriteLine(string.Join("\n", problems));
        Assert.Contains(problems, p => p.Contains(expectedProblem, StringComparison.Ordinal));
    }

    /// <summary>Every anatomical expectation the BlazePose placement must meet on our model; an empty list means all hold.</summary>
    private static List<string> AnatomyProblems(KeypointSet set, BodyModel model)
    {
        var problems = new List<string>();
        void Check(bool ok, string what) { if (!ok) problems.Add(what); }
        var world = new NeutralPose(model);
        V P(string name) => world.Of(set[set.IndexOf(name)]);
        V Site(string name) => world.Site(name);

        // The world frame the checks assume (documented in the MJCF header): x forward, y left, z up.
        Check(world.Body("toes_l").X > world.Body("calcn_l").X, "model: +x is not forward");
        Check(world.Body("femur_l").Y > world.Body("femur_r").Y, "model: +y is not the subject's left");
        Check(world.Body("head").Z > world.Body("pelvis").Z, "model: +z is not up");

        foreach (KeypointPlacement k in set.Keypoints)
        {
            V p = world.Of(k);
            bool left = k.Name.StartsWith("left_", StringComparison.Ordinal) || k.Name.EndsWith("_left", StringComparison.Ordinal);
            bool right = k.Name.StartsWith("right_", StringComparison.Ordinal) || k.Name.EndsWith("_right", StringComparison.Ordinal);
            if (left) Check(p.Y > 0.01 && !k.BodyName.EndsWith("_r", StringComparison.Ordinal), $"left-ness: {k.Name} at y = {p.Y:F3} m on {k.BodyName}");
            if (right) Check(p.Y < -0.01 && !k.BodyName.EndsWith("_l", StringComparison.Ordinal), $"left-ness: {k.Name} at y = {p.Y:F3} m on {k.BodyName}");
            if (!left && !right) Check(Math.Abs(p.Y) < 0.005, $"midline: {k.Name} at y = {p.Y:F3} m");
            Check(p.Z > 0, $"above the floor: {k.Name} at z = {p.Z:F3} m");
        }

        // Face: heights as fractions of stature (eye height 0.936 H, Drillis & Contini 1966; the rest from facial anthropometry).
        V nose = P("nose"), mouthL = P("mouth_left"), mouthR = P("mouth_right"), earL = P("left_ear"), earR = P("right_ear");
        V mouth = (mouthL + mouthR) * 0.5, ears = (earL + earR) * 0.5;
        foreach (string eye in new[] { "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer" })
        {
            Check(P(eye).Z > nose.Z + 0.01, $"eyes above the nose: {eye}");
            Check(P(eye).Z / Stature is > 0.915 and < 0.95, $"eye height: {eye} at {P(eye).Z / Stature:F3} H");
            Check(P(eye).X < nose.X - 0.01, $"eyes behind the nose tip: {eye}");
            Check(P(eye).X > ears.X + 0.05, $"ears behind the eyes: {eye}");
        }
        Check(nose.Z > mouth.Z + 0.02, "nose above the mouth");
        Check(nose.Z / Stature is > 0.89 and < 0.935, $"nose height {nose.Z / Stature:F3} H");
        Check(mouth.Z / Stature is > 0.87 and < 0.915, $"mouth height {mouth.Z / Stature:F3} H");
        Check(ears.Z / Stature is > 0.90 and < 0.945, $"ear height {ears.Z / Stature:F3} H");
        Check(nose.X - ears.X is > 0.08 and < 0.13, $"nose tip {nose.X - ears.X:F3} m in front of the ears");
        Check(Distance(P("left_eye"), P("right_eye")) is > 0.055 and < 0.072, "interpupillary distance 55-72 mm");
        Check(Distance(P("left_eye_inner"), P("right_eye_inner")) < Distance(P("left_eye"), P("right_eye"))
            && Distance(P("left_eye"), P("right_eye")) < Distance(P("left_eye_outer"), P("right_eye_outer")), "eye corners: inner < pupils < outer");
        Check(Distance(mouthL, mouthR) is > 0.04 and < 0.065, "mouth width 40-65 mm");
        Check(Distance(earL, earR) is > 0.12 and < 0.17, "ear-to-ear 120-170 mm");
        Check(Distance(ears, Site("Head")) < 0.03, "ear midpoint within 3 cm of Head");

        // Trunk and limbs.
        Check(Distance(P("left_shoulder"), P("right_shoulder")) is > 0.30 and < 0.45, "shoulders 0.30-0.45 m apart");
        Check(Distance(P("left_hip"), P("right_hip")) is > 0.15 and < 0.35, "hips 0.15-0.35 m apart");
        foreach (string side in new[] { "left", "right" })
        {
            char s = side[0] == 'l' ? 'L' : 'R';
            V shoulder = P($"{side}_shoulder"), elbow = P($"{side}_elbow"), wrist = P($"{side}_wrist");
            Check(shoulder.Z > elbow.Z + 0.2, $"{side}: elbow below the shoulder");
            Check(elbow.Z > wrist.Z + 0.2, $"{side}: wrist below the elbow");
            foreach (string knuckle in new[] { "pinky", "index", "thumb" })
            {
                V p = P($"{side}_{knuckle}");
                Check(wrist.Z - p.Z is > 0.04 and < 0.11, $"{side}_{knuckle} 4-11 cm below the wrist");
            }
            // Anatomical position: palm forward, thumb and index (radial side) lateral of the pinky.
            Check(Math.Abs(P($"{side}_index").Y) > Math.Abs(P($"{side}_pinky").Y) + 0.03, $"{side}: index knuckle lateral of the pinky knuckle");
            Check(Math.Abs(P($"{side}_thumb").Y) > Math.Abs(P($"{side}_index").Y), $"{side}: thumb lateral of the index knuckle");

            V hip = P($"{side}_hip"), knee = P($"{side}_knee"), ankle = P($"{side}_ankle"), heel = P($"{side}_heel"), toe = P($"{side}_foot_index");
            Check(hip.Z > knee.Z + 0.3 && knee.Z > ankle.Z + 0.3, $"{side}: hip above knee above ankle");
            Check(heel.X < ankle.X - 0.03, $"{side}: heel behind the ankle");
            Check(heel.Z < ankle.Z - 0.02 && heel.Z < 0.03, $"{side}: heel below the ankle, near the floor");
            Check(toe.X > ankle.X + 0.12 && toe.X > Site($"{s}Foot").X, $"{side}: foot_index in front of the ankle and the forefoot site");
            Check(toe.Z < 0.03, $"{side}: foot_index near the floor (z = {toe.Z:F3} m)");
            Check(Distance(heel, toe) is > 0.20 and < 0.28, $"{side}: heel to foot_index {Distance(heel, toe):F3} m");

            // Landmarks that stand for the same point as a bml_movi_87 site of the model.
            foreach ((string landmark, string site) in new[]
                { ("shoulder", "Shoulder"), ("elbow", "Elbow"), ("wrist", "Wrist"), ("hip", "Hip"), ("knee", "Knee"), ("ankle", "Ankle"), ("heel", "Heel") })
            {
                double d = Distance(P($"{side}_{landmark}"), Site($"{s}{site}"));
                Check(d < 0.03, $"{side}_{landmark} within 3 cm of {s}{site} (is {d:F3} m)");
            }
        }
        return problems;
    }

    private static readonly string[] BlazePoseOrder =
    {
        "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
        "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
        "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb",
        "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel",
        "left_foot_index", "right_foot_index",
    };

    private static double Distance(V a, V b) => (a - b).Length;

    private readonly record struct V(double X, double Y, double Z)
    {
        public static V operator +(V a, V b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);
        public static V operator -(V a, V b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);
        public static V operator *(V a, double s) => new(a.X * s, a.Y * s, a.Z * s);
        public double Length => Math.Sqrt(X * X + Y * Y + Z * Z);
    }

    /// <summary>Body poses of the model at qpos = 0, unscaled; world positions of body-local points.</summary>
    private sealed class NeutralPose
    {
        private readonly BodyModel model;
        private readonly KinematicsWorkspace workspace;

        public NeutralPose(BodyModel model)
        {
            this.model = model;
            workspace = new KinematicsWorkspace(model);
            Kinematics.Forward(model, new double[model.CoordinateCount], [], [], workspace);
        }

        public V Of(KeypointPlacement k) => Point(k.BodyName, k.Position.X, k.Position.Y, k.Position.Z);

        public V Body(string body) => Point(body, 0, 0, 0);

        public V Site(string name)
        {
            int j = model.FindSite(name);
            Assert.True(j >= 0, $"the model has no site {name}");
            double[] s = workspace.SitePositionsMetres;
            return new V(s[3 * j], s[3 * j + 1], s[3 * j + 2]);
        }

        private V Point(string body, double x, double y, double z)
        {
            int b = model.FindBody(body);
            Assert.True(b >= 0, $"the model has no body {body}");
            double[] p = workspace.BodyPositionsMetres, r = workspace.BodyRotations;
            int b3 = 3 * b, b9 = 9 * b;
            return new V(
                p[b3] + r[b9] * x + r[b9 + 1] * y + r[b9 + 2] * z,
                p[b3 + 1] + r[b9 + 3] * x + r[b9 + 4] * y + r[b9 + 5] * z,
                p[b3 + 2] + r[b9 + 6] * x + r[b9 + 7] * y + r[b9 + 8] * z);
        }
    }
}
