using MonoBiomech.Engine.Tests.BodyModels;

namespace MonoBiomech.Engine.Tests.Fitting.Monocular;

/// <summary>Whether the body stands on the floor (the lowest sole point of either foot touches it) or flies.</summary>
internal enum FootSupport { OnFloor, Airborne }

/// <summary>
/// A motion as designed, before it is put on the floor: <see cref="PoseAt"/> gives the coordinates (MuJoCo qpos order,
/// radians and metres) at a time in seconds with the root where the design wants it horizontally and at height 0;
/// between <see cref="Flights"/> the body is on the floor. <see cref="FeetStayPut"/>: the feet do not slide (jumps,
/// sit-to-stand, unlike a treadmill), so the root moves horizontally to keep the forefeet in place.
/// </summary>
internal sealed record MotionDesign(Func<double, double[]> PoseAt, (double StartSeconds, double EndSeconds)[] Flights, bool FeetStayPut)
{
    public FootSupport SupportAt(double t) => Flights.Any(f => t > f.StartSeconds && t < f.EndSeconds) ? FootSupport.Airborne : FootSupport.OnFloor;
}

/// <summary>
/// Puts designed motions on the floor with MuJoCo's kinematics (nothing of the fitter's floor definition). The model's
/// floor is z = 0 in its neutral pose (qpos = 0), or its lowest foot site if that is lower. Each foot site is dropped
/// vertically onto that floor in the neutral pose, and the point below it, fixed in the site's foot body, is a sole
/// point: it is injected into the MJCF as a site, so it rolls and scales with the foot. On the floor the lowest sole point
/// of either foot touches it (the stance foot, or a swinging foot that would touch first); in flight the root follows a
/// ballistic parabola between take-off and landing.
/// </summary>
internal sealed class FootGrounding
{
    public const double GravityMetresPerSecondSquared = 9.81;
    private static readonly string[] FootBodies = { "calcn_r", "toes_r", "calcn_l", "toes_l" };

    private readonly MujocoOracle oracle;
    private readonly string modelPath;
    private readonly double[] beta;
    private readonly int[] rootSlides;
    private readonly double[] worldToSlides; // 3x3 row-major: root-slide increments for a world translation

    private FootGrounding(MujocoOracle oracle, string modelPath, double[] beta, SitePlacement[] solePoints, int[] rootSlides, double[] worldToSlides)
    {
        this.oracle = oracle;
        this.modelPath = modelPath;
        this.beta = beta;
        SolePoints = solePoints;
        this.rootSlides = rootSlides;
        this.worldToSlides = worldToSlides;
    }

    /// <summary>The sole points injected as sites, named "sole.SITE" after the foot site above them.</summary>
    public IReadOnlyList<SitePlacement> SolePoints { get; }

    /// <summary>Finds the sole points and the root slides' world directions of the model (β = the subject's scale parameters, oracle order).</summary>
    public static FootGrounding Create(MujocoOracle oracle, string modelPath, double[] beta)
    {
        MujocoModelDescription model = oracle.Evaluate(modelPath, [], []).Model;
        int root = Array.IndexOf(model.BodyParents, 0, 1);
        int[] slides = Enumerable.Range(0, model.Joints.Length).Where(j => model.Joints[j].IsSlide).ToArray();
        if (slides.Length != 3) throw new InvalidOperationException($"{modelPath}: expected 3 root slides, found {slides.Length}.");
        // The unscaled neutral pose, and the same with each root slide moved by 1 m (to find its world direction).
        double[] unscaled = new double[beta.Length], q0 = NeutralPose(model);
        var cases = new List<(double[], double[])> { (unscaled, q0) };
        cases.AddRange(slides.Select(j => { double[] q = (double[])q0.Clone(); q[j] = 1; return (unscaled, q); }));
        MujocoPose[] poses = oracle.Evaluate(modelPath, [], cases).Poses;
        MujocoPose neutral = poses[0];

        int[] footSites = Enumerable.Range(0, model.SiteNames.Length)
            .Where(s => FootBodies.Contains(model.BodyNames[model.SiteBodies[s]])).ToArray();
        double floor = Math.Min(0, footSites.Min(s => neutral.SitePositionsMetres[s * 3 + 2]));
        var solePoints = new List<SitePlacement>();
        foreach (int s in footSites)
        {
            int body = model.SiteBodies[s];
            // Body-frame position of the floor point straight below the site: R_bᵀ (p − o_b).
            double[] below = { neutral.SitePositionsMetres[s * 3], neutral.SitePositionsMetres[s * 3 + 1], floor };
            var local = new double[3];
            for (int a = 0; a < 3; a++)
                for (int i = 0; i < 3; i++)
                    local[a] += neutral.BodyRotations[body * 9 + i * 3 + a] * (below[i] - neutral.BodyPositionsMetres[body * 3 + i]);
            solePoints.Add(new SitePlacement("sole." + model.SiteNames[s], model.BodyNames[body], local));
        }

        var slideToWorld = new double[9]; // column k: world displacement of the root per metre of slide k
        for (int k = 0; k < 3; k++)
            for (int i = 0; i < 3; i++)
                slideToWorld[i * 3 + k] = poses[1 + k].BodyPositionsMetres[root * 3 + i] - neutral.BodyPositionsMetres[root * 3 + i];
        return new FootGrounding(oracle, modelPath, beta, solePoints.ToArray(), slides, Invert3x3(slideToWorld));
    }

    /// <summary>qpos = 0 (MuJoCo's reference pose of hinges and slides), the pose whose floor is z = 0.</summary>
    public static double[] NeutralPose(MujocoModelDescription model) => new double[model.Joints.Length];

    /// <summary>MuJoCo's kinematics of the subject in the given poses, with the sole points and <paramref name="extraSites"/> injected.</summary>
    public MujocoEvaluation Evaluate(IReadOnlyList<double[]> poses, IReadOnlyList<SitePlacement> extraSites) =>
        oracle.Evaluate(modelPath, SolePoints.Concat(extraSites).ToArray(), poses.Select(q => (beta, q)).ToList());

    /// <summary>Per pose (root slides as given): the height of the lowest sole point.</summary>
    public double[] LowestSoleHeights(IReadOnlyList<double[]> poses) => LowestSoleHeights(Evaluate(poses, []));

    /// <summary>
    /// The design sampled at the given times and put on the floor: per time, the coordinates (qpos order) with the root
    /// slides moved so that the lower foot stands on z = 0 (and, when the feet stay put, the mean of the two
    /// forefoot sole points keeps its place), the root on a parabola of −g in flight. [time, coordinate] flat.
    /// </summary>
    public double[] Ground(MotionDesign design, IReadOnlyList<double> timesSeconds)
    {
        // Sample the frames and, for each flight, the exact take-off and landing instants.
        var times = new List<double>(timesSeconds);
        foreach ((double start, double end) in design.Flights) times.AddRange([start, end]);
        double[][] poses = times.Select(design.PoseAt).ToArray();
        MujocoEvaluation evaluation = Evaluate(poses, []);
        double[] heights = LowestSoleHeights(evaluation);
        (double X, double Y)[] anchors = evaluation.Poses.Select(p => ForefootAnchor(evaluation.Model, p)).ToArray();
        (double X, double Y) anchor0 = anchors[0];
        if (design.SupportAt(timesSeconds[0]) == FootSupport.Airborne) throw new ArgumentException("A motion must start on the floor.", nameof(design));

        int frames = timesSeconds.Count, n = poses[0].Length;
        var grounded = new double[frames * n];
        for (int f = 0; f < frames; f++)
        {
            double t = timesSeconds[f];
            double[] shift; // world translation added to the root
            int flight = Array.FindIndex(design.Flights, fl => t > fl.StartSeconds && t < fl.EndSeconds);
            if (flight < 0)
                shift = design.FeetStayPut ? [anchor0.X - anchors[f].X, anchor0.Y - anchors[f].Y, -heights[f]] : [0, 0, -heights[f]];
            else
            {
                (double start, double end) = design.Flights[flight];
                int off = frames + 2 * flight, on = off + 1;
                double duration = end - start, tau = t - start;
                double z0 = -heights[off], z1 = -heights[on];
                double upward = (z1 - z0) / duration + GravityMetresPerSecondSquared * duration / 2;
                double z = z0 + upward * tau - GravityMetresPerSecondSquared * tau * tau / 2;
                double w = tau / duration;
                shift = design.FeetStayPut
                    ? [anchor0.X - ((1 - w) * anchors[off].X + w * anchors[on].X), anchor0.Y - ((1 - w) * anchors[off].Y + w * anchors[on].Y), z]
                    : [0, 0, z];
            }
            Array.Copy(poses[f], 0, grounded, f * n, n);
            for (int k = 0; k < 3; k++)
                for (int i = 0; i < 3; i++)
                    grounded[f * n + rootSlides[k]] += worldToSlides[k * 3 + i] * shift[i];
        }
        return grounded;
    }

    /// <summary>Per pose of the evaluation: the height of the lowest sole point of either foot.</summary>
    public double[] LowestSoleHeights(MujocoEvaluation evaluation)
    {
        int[] sites = SolePoints.Select(p => evaluation.Model.SiteIndex(p.Name)).ToArray();
        return evaluation.Poses.Select(pose => sites.Min(s => pose.SitePositionsMetres[s * 3 + 2])).ToArray();
    }

    /// <summary>Mean horizontal position of the sole points under the two forefoot sites (RFoot, LFoot: second metatarsal heads), the pivot of a heel rise.</summary>
    private static (double X, double Y) ForefootAnchor(MujocoModelDescription model, MujocoPose pose)
    {
        int r = model.SiteIndex("sole.RFoot"), l = model.SiteIndex("sole.LFoot");
        return ((pose.SitePositionsMetres[r * 3] + pose.SitePositionsMetres[l * 3]) / 2, (pose.SitePositionsMetres[r * 3 + 1] + pose.SitePositionsMetres[l * 3 + 1]) / 2);
    }

    private static double[] Invert3x3(double[] m)
    {
        double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
        if (Math.Abs(det) < 1e-9) throw new InvalidOperationException("The root slides do not span 3D translations.");
        return
        [
            (m[4] * m[8] - m[5] * m[7]) / det, (m[2] * m[7] - m[1] * m[8]) / det, (m[1] * m[5] - m[2] * m[4]) / det,
            (m[5] * m[6] - m[3] * m[8]) / det, (m[0] * m[8] - m[2] * m[6]) / det, (m[2] * m[3] - m[0] * m[5]) / det,
            (m[3] * m[7] - m[4] * m[6]) / det, (m[1] * m[6] - m[0] * m[7]) / det, (m[0] * m[4] - m[1] * m[3]) / det,
        ];
    }
}
