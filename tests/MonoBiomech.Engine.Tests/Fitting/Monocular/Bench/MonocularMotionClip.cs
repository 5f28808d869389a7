using MonoBiomech.Engine.Tests.BodyModels;

namespace MonoBiomech.Engine.Tests.Fitting.Monocular;

/// <summary>Which limb side a keypoint belongs to: arm and leg bodies ending in _r / _l; trunk, pelvis and head points have none.</summary>
internal enum LimbSide { None, Right, Left }

/// <summary>
/// One subject's generated motion with MuJoCo's kinematics: the ground truth of a bench clip before any camera sees it.
/// World z up, floor z = 0, the subject facing +x at pelvis_rotation 0.
/// </summary>
/// <param name="Model">The model as MuJoCo compiled it (with the injected sole points and keypoint sites).</param>
/// <param name="Coordinates">[frame, joint] true coordinates in MuJoCo qpos order (= the MJCF's joint order), radians and metres.</param>
/// <param name="Beta">True scale parameters β, one per scale group of <see cref="MujocoModelDescription.ScaleGroups"/>.</param>
/// <param name="Supports">Per frame, the foot the design puts on the floor.</param>
/// <param name="Poses">Per frame, MuJoCo's body and site positions of <see cref="Coordinates"/> and <see cref="Beta"/>.</param>
/// <param name="KeypointNames">The keypoints a camera reports: the model's own sites, or the injected placements.</param>
/// <param name="KeypointSites">Per keypoint, its site index in <see cref="Poses"/>.</param>
/// <param name="KeypointSides">Per keypoint, the limb side it is on (for far-side occlusion).</param>
internal sealed record MonocularMotionClip(MonocularMotion Motion, MujocoModelDescription Model, double FramesPerSecond,
    double[] Coordinates, double[] Beta, FootSupport[] Supports, MujocoPose[] Poses, string[] KeypointNames, int[] KeypointSites, LimbSide[] KeypointSides)
{
    public const int DefaultFrames = 300;
    public const double DefaultFramesPerSecond = 30;

    /// <summary>Each scale group's β is drawn in ±5 %, so a body's factor 1 + Σβ (its segment's group and "overall") lies within ±10 %.</summary>
    public const double ScaleParameterRange = 0.05;

    private static readonly string[] LimbBodies = { "femur", "tibia", "talus", "calcn", "toes", "humerus", "ulna", "radius", "hand" };

    public int FrameCount => Poses.Length;

    public int JointCount => Model.Joints.Length;

    /// <summary>
    /// Generates a clip: a random subject (β), the motion designed and put on the floor, and MuJoCo's kinematics of every
    /// frame. <paramref name="keypoints"/>: sites to inject and report instead of the model's own (e.g. a keypoint set).
    /// </summary>
    public static MonocularMotionClip Generate(MujocoOracle oracle, string modelPath, MonocularMotion motion, int seed,
        int frames = DefaultFrames, double framesPerSecond = DefaultFramesPerSecond, IReadOnlyList<SitePlacement>? keypoints = null)
    {
        var random = new Random(seed);
        MujocoModelDescription bare = oracle.Evaluate(modelPath, [], []).Model;
        double[] beta = bare.ScaleGroups.Select(_ => ScaleParameterRange * (2 * random.NextDouble() - 1)).ToArray();
        FootGrounding grounding = FootGrounding.Create(oracle, modelPath, beta);
        double[] times = Enumerable.Range(0, frames).Select(f => f / framesPerSecond).ToArray();
        MotionDesign design = MonocularMotions.Design(motion, bare, grounding, frames / framesPerSecond, random);
        double[] coordinates = grounding.Ground(design, times);
        int n = bare.Joints.Length;
        double[][] poses = Enumerable.Range(0, frames).Select(f => coordinates.AsSpan(f * n, n).ToArray()).ToArray();
        MujocoEvaluation evaluation = grounding.Evaluate(poses, keypoints ?? []);

        MujocoModelDescription model = evaluation.Model;
        string[] names = keypoints?.Select(p => p.Name).ToArray() ?? bare.SiteNames;
        int[] sites = names.Select(model.SiteIndex).ToArray();
        LimbSide[] sides = sites.Select(s => Side(model.BodyNames[model.SiteBodies[s]])).ToArray();
        return new MonocularMotionClip(motion, model, framesPerSecond, coordinates, beta, times.Select(design.SupportAt).ToArray(),
            evaluation.Poses, names, sites, sides);
    }

    /// <summary>World position (metres) of a keypoint in a frame.</summary>
    public (double X, double Y, double Z) Keypoint(int frame, int keypoint)
    {
        int s = KeypointSites[keypoint] * 3;
        double[] p = Poses[frame].SitePositionsMetres;
        return (p[s], p[s + 1], p[s + 2]);
    }

    /// <summary>World position (metres) of a body origin (joint centre) in a frame.</summary>
    public (double X, double Y, double Z) Body(int frame, string body)
    {
        int b = Model.BodyIndex(body) * 3;
        double[] p = Poses[frame].BodyPositionsMetres;
        return (p[b], p[b + 1], p[b + 2]);
    }

    private static LimbSide Side(string body) =>
        !LimbBodies.Any(l => body.StartsWith(l + "_", StringComparison.Ordinal)) ? LimbSide.None
        : body.EndsWith("_r", StringComparison.Ordinal) ? LimbSide.Right
        : body.EndsWith("_l", StringComparison.Ordinal) ? LimbSide.Left : LimbSide.None;
}
