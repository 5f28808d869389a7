using MonoBiomech.Engine.Tests.BodyModels;

namespace MonoBiomech.Engine.Tests.Fitting.Monocular;

/// <summary>The motions of the monocular test bench: what lab videos hold.</summary>
public enum MonocularMotion { Walking, Running, CountermovementJump, SitToStand }

/// <summary>
/// Designs of the bench motions for a body model with the shared OpenSim coordinate names (pelvis_tx forward, hip and
/// knee about the lateral axis with knee flexion negative, ankle dorsiflexion positive, ...; models/README.md). Every
/// hinge the design leaves free wobbles a little (three slow sinusoids, ±2°) around a relaxed posture (with the feet
/// planted, only the hinges that do not move the feet); the root is put on the floor afterwards
/// (<see cref="FootGrounding"/>). The subject faces world +x at pelvis_rotation 0.
/// </summary>
internal static class MonocularMotions
{
    private const double WobbleDegrees = 2;

    public static MotionDesign Design(MonocularMotion motion, MujocoModelDescription model, FootGrounding grounding, double durationSeconds, Random random) => motion switch
    {
        MonocularMotion.Walking => Gait(model, durationSeconds, random, running: false),
        MonocularMotion.Running => Gait(model, durationSeconds, random, running: true),
        MonocularMotion.CountermovementJump => CountermovementJump(model, grounding, random),
        MonocularMotion.SitToStand => SitToStand(model, random),
        _ => throw new ArgumentOutOfRangeException(nameof(motion)),
    };

    /// <summary>
    /// Treadmill walking (105–115 steps/min, as at about 1.3 m/s) or running (170–180 steps/min, as at 3.5–4 m/s): the
    /// root stays in place horizontally but sways; sagittal hip, knee, ankle and toe angles follow <see cref="GaitWaveforms"/>,
    /// the left side half a stride after the right; pelvis, trunk and arms swing with the stride. The stance foot moves
    /// back with the belt as the joint angles take it; its speed is not forced to a belt speed.
    /// </summary>
    private static MotionDesign Gait(MujocoModelDescription model, double durationSeconds, Random random, bool running)
    {
        var posture = new PostureWriter(model, random);
        double cadenceStepsPerMinute = running ? 170 + 10 * random.NextDouble() : 105 + 10 * random.NextDouble();
        double strideHertz = cadenceStepsPerMinute / 120;
        double toeOff = (running ? GaitWaveforms.Running.ToeOffPercent : GaitWaveforms.Walking.ToeOffPercent) / 100;
        // Start in right stance (a running clip must not start in flight).
        double phase0 = 0.05 + 0.2 * random.NextDouble();
        double RightPhase(double t) => strideHertz * t + phase0;

        double forwardTilt = running ? GaitWaveforms.Running.PelvisAnteriorTiltDegrees : GaitWaveforms.Walking.PelvisAnteriorTiltDegrees;
        double PelvisTilt(double t) => -forwardTilt + (running ? 2.5 : 1.5) * Math.Sin(4 * Math.PI * RightPhase(t));

        double[] Pose(double t)
        {
            double[] q = posture.Relaxed(t);
            double right = RightPhase(t), cycle = 2 * Math.PI * right;
            foreach ((string side, double phase) in new[] { ("r", right), ("l", right + 0.5) })
            {
                double c = 2 * Math.PI * phase;
                if (running)
                {
                    posture.Set(q, "hip_flexion_" + side, GaitWaveforms.Running.HipFlexion.At(phase));
                    posture.Set(q, "knee_angle_" + side, -GaitWaveforms.Running.KneeFlexion.At(phase));
                    // In stance the ankle follows from the foot's pitch on the floor (it rolls, instead of pressing its
                    // toes into the floor); in swing it is Novacheck's.
                    double stance = StanceWeight(phase - Math.Floor(phase), toeOff);
                    double flat = GaitWaveforms.Running.StanceFootPitch.At(phase) - PelvisTilt(t) - GaitWaveforms.Running.HipFlexion.At(phase) + GaitWaveforms.Running.KneeFlexion.At(phase);
                    posture.Set(q, "ankle_angle_" + side, stance * flat + (1 - stance) * GaitWaveforms.Running.AnkleDorsiflexion.At(phase));
                    posture.Set(q, "mtp_angle_" + side, GaitWaveforms.Running.MtpExtension.At(phase));
                    // Arm opposite to the same-side leg: back at the side's foot strike; elbow 90° ± 15°, most flexed forward.
                    posture.Set(q, "arm_flex_" + side, -10 - 30 * Math.Cos(c));
                    posture.Set(q, "elbow_flex_" + side, 90 - 15 * Math.Cos(c));
                }
                else
                {
                    posture.Set(q, "hip_flexion_" + side, GaitWaveforms.Walking.HipFlexion.At(phase));
                    posture.Set(q, "knee_angle_" + side, -GaitWaveforms.Walking.KneeFlexion.At(phase));
                    posture.Set(q, "ankle_angle_" + side, GaitWaveforms.Walking.AnkleDorsiflexion.At(phase));
                    posture.Set(q, "mtp_angle_" + side, GaitWaveforms.Walking.MtpExtension.At(phase));
                    posture.Set(q, "arm_flex_" + side, -5 - 15 * Math.Cos(c));
                    posture.Set(q, "elbow_flex_" + side, 20 - 8 * Math.Cos(c));
                }
                // Adduction in loading response, abduction in swing.
                posture.Set(q, "hip_adduction_" + side, 4 * Math.Cos(c - 0.6));
            }
            // Pelvis and trunk (degrees): the pelvis tilted forward as the hip curves assume, the lumbar spine extended so
            // the trunk leans 8° forward running and 2° walking; the pelvis drops and rotates with the stride.
            double lean = running ? 8 : 2;
            posture.Set(q, "pelvis_tilt", PelvisTilt(t));
            posture.Set(q, "pelvis_list", 4 * Math.Sin(cycle));
            posture.Set(q, "pelvis_rotation", (running ? 6 : 5) * Math.Cos(cycle));
            posture.Set(q, "lumbar_extension", forwardTilt - lean + Math.Sin(2 * cycle));
            posture.Set(q, "lumbar_bending", -2 * Math.Sin(cycle));
            posture.Set(q, "lumbar_rotation", -(running ? 4 : 3) * Math.Cos(cycle));
            // Sideways sway over the stance foot (pelvis_tz points to the right), a little fore-aft surge on the treadmill.
            posture.SetMetres(q, "pelvis_tz", (running ? 0.015 : 0.025) * Math.Sin(cycle));
            posture.SetMetres(q, "pelvis_tx", 0.01 * Math.Sin(2 * cycle));
            return q;
        }

        // Flights: from each toe-off to the other foot's strike, half a stride after the previous strike.
        var flights = new List<(double, double)>();
        if (running)
            for (double step = Math.Floor(phase0 * 2) / 2; step < phase0 + strideHertz * durationSeconds; step += 0.5)
                flights.Add(((step + toeOff - phase0) / strideHertz, (step + 0.5 - phase0) / strideHertz));
        return new MotionDesign(Pose, flights.ToArray(), FeetStayPut: false);
    }

    /// <summary>
    /// 1 in stance (cycle fraction 0 .. toe-off), 0 in mid-swing, with smooth steps in the swing next to it: over the
    /// 4 % before strike and the 6 % after toe-off (the stance rule fades once the foot is off the floor).
    /// </summary>
    private static double StanceWeight(double cycleFraction, double toeOff)
    {
        static double Step(double x) => x <= 0 ? 0 : x >= 1 ? 1 : x * x * (3 - 2 * x);
        double p = cycleFraction > 0.5 + toeOff / 2 ? cycleFraction - 1 : cycleFraction;
        return Step((p + 0.04) / 0.04) * Step((toeOff + 0.06 - p) / 0.06);
    }

    /// <summary>
    /// Two countermovement jumps with arm swing (Linthorne 2001, Am J Phys 69:1198, for the phases and the ballistic
    /// flight): stand; squat in 0.5 s to hip ~80°, knee ~90°, ankle ~25° dorsiflexion with the trunk leaning ~35°;
    /// push off in 0.25 s onto the toes, hip and knee accelerating and the ankle last (the proximal-to-distal sequence of
    /// Bobbert &amp; van Ingen Schenau 1988, J Biomech 21:249); fly; land toes first and absorb to knee ~70°; recover and
    /// stand. The flight time follows from the take-off velocity the push-off produces (≈0.4 s), and the absorption is
    /// timed so that the root's descent continues at the touch-down velocity: the root's vertical velocity is continuous
    /// at take-off and landing (unless the absorption time meets its 0.15–0.6 s bounds).
    /// </summary>
    private static MotionDesign CountermovementJump(MujocoModelDescription model, FootGrounding grounding, Random random)
    {
        var posture = new PostureWriter(model, random, feetPlanted: true);
        var standing = new SagittalPosture(PelvisTilt: -2, LumbarExtension: 0, HipFlexion: 2, KneeFlexion: 3, FootPitch: 0, ArmFlexion: 0, ElbowFlexion: 10, MtpExtension: 0);
        var squat = new SagittalPosture(-15, -20, 80 + 6 * (random.NextDouble() - 0.5), 90 + 6 * (random.NextDouble() - 0.5), 0, -50, 15, 0);
        var takeOff = new SagittalPosture(-4, 0, 12, 22, -50, 140, 20, 40);
        var touchDown = new SagittalPosture(-3, 0, 15, 15, -25, 60, 20, 0);
        var absorbed = new SagittalPosture(-12, -15, 60, 70, 0, 30, 25, 0);
        const double countermovementSeconds = 0.5, pushOffSeconds = 0.25, recoverySeconds = 0.9;
        double firstJump = 1.3 + 0.4 * random.NextDouble(), secondJump = firstJump + 4.2;

        // Probe the kinematics once: root height rate at take-off (push-off accelerates, so the legs are fastest there) and
        // at the start of the landing (absorption eases out, so it starts fastest).
        const double probe = 1e-3;
        double[] Probe(SagittalPosture from, SagittalPosture to, Easing easing, Easing foot, double fraction, double time) =>
            posture.Sagittal(posture.Relaxed(time), SagittalPosture.Between(from, to, easing.At(fraction), foot.At(fraction)));
        double takeOffTime = firstJump + countermovementSeconds + pushOffSeconds;
        double[] probeHeights = grounding.LowestSoleHeights(
            [Probe(squat, takeOff, Easing.Accelerate, Easing.AccelerateLate, 1 - probe / pushOffSeconds, takeOffTime - probe),
             Probe(squat, takeOff, Easing.Accelerate, Easing.AccelerateLate, 1, takeOffTime),
             Probe(touchDown, absorbed, Easing.Out, Easing.Out, 0, takeOffTime), Probe(touchDown, absorbed, Easing.Out, Easing.Out, probe, takeOffTime)]);
        double takeOffVelocity = (probeHeights[0] - probeHeights[1]) / probe; // root height = −lowest sole height
        double rootAtTakeOff = -probeHeights[1], rootAtTouchDown = -probeHeights[2];
        double g = FootGrounding.GravityMetresPerSecondSquared;
        double flightSeconds = (takeOffVelocity + Math.Sqrt(takeOffVelocity * takeOffVelocity + 2 * g * (rootAtTakeOff - rootAtTouchDown))) / g;
        double touchDownVelocity = takeOffVelocity - g * flightSeconds;
        double descentPerFraction = (probeHeights[2] - probeHeights[3]) / probe; // d(root height)/d(absorption fraction), < 0
        double absorptionSeconds = Math.Clamp(descentPerFraction * Easing.Out.InitialRate / touchDownVelocity, 0.15, 0.6);

        var timeline = new SagittalTimeline(standing);
        var flights = new List<(double, double)>();
        foreach (double start in new[] { firstJump, secondJump })
        {
            timeline.Hold(start);
            timeline.MoveTo(squat, countermovementSeconds, Easing.MinimumJerk);
            timeline.MoveTo(takeOff, pushOffSeconds, Easing.Accelerate, Easing.AccelerateLate);
            double leave = timeline.EndSeconds;
            timeline.MoveTo(touchDown, flightSeconds, Easing.MinimumJerk);
            flights.Add((leave, timeline.EndSeconds));
            timeline.MoveTo(absorbed, absorptionSeconds, Easing.Out);
            timeline.MoveTo(standing, recoverySeconds, Easing.MinimumJerk);
        }
        return new MotionDesign(t => posture.Sagittal(posture.Relaxed(t), timeline.At(t)), flights.ToArray(), FeetStayPut: true);
    }

    /// <summary>
    /// Sit-to-stand and back, twice (phases after Schenkman et al. 1990, Phys Ther 70:638): seated with hip ~90°, knee
    /// ~95°; the trunk flexes forward ~35° (pelvis tilting anteriorly, lumbar flexing) in 0.5 s; seat-off; hip, knee and
    /// trunk extend in 1 s; stand; sit down with the trunk leaning forward again; sit upright. Feet stay flat and in place.
    /// </summary>
    private static MotionDesign SitToStand(MujocoModelDescription model, Random random)
    {
        var posture = new PostureWriter(model, random, feetPlanted: true);
        double knee = 92 + 6 * random.NextDouble();
        var seated = new SagittalPosture(PelvisTilt: 0, LumbarExtension: -5, HipFlexion: 90, KneeFlexion: knee, FootPitch: 0, ArmFlexion: 20, ElbowFlexion: 50, MtpExtension: 0);
        var leaning = new SagittalPosture(-25, -10, 115, knee + 5, 0, 35, 40, 0);
        var standing = new SagittalPosture(-2, 0, 2, 3, 0, 0, 10, 0);
        var timeline = new SagittalTimeline(seated);
        timeline.Hold(0.8 + 0.4 * random.NextDouble());
        for (int repetition = 0; repetition < 2; repetition++)
        {
            timeline.MoveTo(leaning, 0.5, Easing.MinimumJerk);
            timeline.MoveTo(standing, 1.0, Easing.MinimumJerk);
            timeline.Hold(timeline.EndSeconds + 1.3);
            if (repetition == 1) break;
            timeline.MoveTo(leaning, 1.3, Easing.MinimumJerk);
            timeline.MoveTo(seated, 0.6, Easing.MinimumJerk);
            timeline.Hold(timeline.EndSeconds + 1.0);
        }
        return new MotionDesign(t => posture.Sagittal(posture.Relaxed(t), timeline.At(t)), [], FeetStayPut: true);
    }

    /// <summary>Writes named coordinates in degrees (hinges) or metres (slides), and the relaxed, wobbling posture under the design.</summary>
    private sealed class PostureWriter
    {
        /// <summary>Coordinates that would slide planted feet sideways or turn them if they wobbled (2° of hip adduction moves a standing foot 3 cm).</summary>
        private static readonly string[] MovePlantedFeet =
            { "pelvis_list", "pelvis_rotation", "hip_adduction_r", "hip_adduction_l", "hip_rotation_r", "hip_rotation_l", "subtalar_angle_r", "subtalar_angle_l" };

        private readonly MujocoModelDescription model;
        private readonly (double Amplitude, double Hertz, double Phase)[][] wobble;
        private readonly double[] relaxedDegrees;

        public PostureWriter(MujocoModelDescription model, Random random, bool feetPlanted = false)
        {
            this.model = model;
            wobble = model.Joints.Select(j => j.IsSlide || (feetPlanted && MovePlantedFeet.Contains(j.Name)) ? [] : Enumerable.Range(0, 3)
                .Select(_ => (random.NextDouble(), 0.2 + 0.8 * random.NextDouble(), 2 * Math.PI * random.NextDouble())).ToArray()).ToArray();
            // Arms hang slightly away from the trunk, elbows slightly bent; everything else at 0.
            relaxedDegrees = model.Joints.Select(j => j.Name switch
            {
                "arm_add_r" or "arm_add_l" => -8.0,
                "elbow_flex_r" or "elbow_flex_l" => 10.0,
                _ => 0.0,
            }).ToArray();
        }

        /// <summary>The relaxed posture plus each hinge's wobble at time t (root slides 0).</summary>
        public double[] Relaxed(double t)
        {
            var q = new double[model.Joints.Length];
            for (int j = 0; j < q.Length; j++)
            {
                if (wobble[j].Length == 0) { q[j] = relaxedDegrees[j] * Math.PI / 180; continue; }
                double norm = wobble[j].Sum(w => w.Amplitude), value = 0;
                foreach ((double a, double f, double p) in wobble[j]) value += a / norm * Math.Sin(2 * Math.PI * f * t + p);
                q[j] = (relaxedDegrees[j] + WobbleDegrees * value) * Math.PI / 180;
            }
            return q;
        }

        public void Set(double[] q, string joint, double degrees) => q[model.JointIndex(joint)] = degrees * Math.PI / 180;

        public void SetMetres(double[] q, string joint, double metres) => q[model.JointIndex(joint)] = metres;

        /// <summary>
        /// Writes a symmetric sagittal posture. The ankle follows from the foot's pitch to the floor (foot flat at pitch 0):
        /// pitch = tilt + hip flexion − knee flexion + ankle dorsiflexion, all about (nearly) the lateral axis.
        /// </summary>
        public double[] Sagittal(double[] q, SagittalPosture p)
        {
            Set(q, "pelvis_tilt", p.PelvisTilt);
            Set(q, "lumbar_extension", p.LumbarExtension);
            foreach (string side in new[] { "r", "l" })
            {
                Set(q, "hip_flexion_" + side, p.HipFlexion);
                Set(q, "knee_angle_" + side, -p.KneeFlexion);
                Set(q, "ankle_angle_" + side, p.FootPitch - p.PelvisTilt - p.HipFlexion + p.KneeFlexion);
                Set(q, "mtp_angle_" + side, p.MtpExtension);
                Set(q, "arm_flex_" + side, p.ArmFlexion);
                Set(q, "elbow_flex_" + side, p.ElbowFlexion);
            }
            return q;
        }
    }
}

/// <summary>A symmetric sagittal posture in degrees: pelvis tilt and lumbar extension (negative = forward), hip/knee/elbow/shoulder flexion, foot pitch to the floor (negative = toes down), toe extension.</summary>
internal sealed record SagittalPosture(double PelvisTilt, double LumbarExtension, double HipFlexion, double KneeFlexion, double FootPitch,
    double ArmFlexion, double ElbowFlexion, double MtpExtension)
{
    /// <summary>The posture a fraction <paramref name="w"/> of the way from a to b, the foot (pitch, toes) <paramref name="wFoot"/> of the way.</summary>
    public static SagittalPosture Between(SagittalPosture a, SagittalPosture b, double w, double wFoot) => new(
        a.PelvisTilt + w * (b.PelvisTilt - a.PelvisTilt), a.LumbarExtension + w * (b.LumbarExtension - a.LumbarExtension),
        a.HipFlexion + w * (b.HipFlexion - a.HipFlexion), a.KneeFlexion + w * (b.KneeFlexion - a.KneeFlexion),
        a.FootPitch + wFoot * (b.FootPitch - a.FootPitch), a.ArmFlexion + w * (b.ArmFlexion - a.ArmFlexion),
        a.ElbowFlexion + w * (b.ElbowFlexion - a.ElbowFlexion), a.MtpExtension + wFoot * (b.MtpExtension - a.MtpExtension));
}

/// <summary>Time profiles of a move from 0 to 1.</summary>
internal sealed class Easing
{
    /// <summary>Minimum jerk (Flash &amp; Hogan 1985): starts and ends at rest.</summary>
    public static readonly Easing MinimumJerk = new(s => s * s * s * (10 - 15 * s + 6 * s * s), 0);

    /// <summary>Starts at rest and speeds up uniformly, ends fastest (a push-off, like a constant force): s².</summary>
    public static readonly Easing Accelerate = new(s => s * s, 0);

    /// <summary>Like <see cref="Accelerate"/> but later and faster at the end (s⁴): the ankle's plantarflexion ends a push-off.</summary>
    public static readonly Easing AccelerateLate = new(s => s * s * s * s, 0);

    /// <summary>Starts fastest, ends at rest (an absorption): sin(πs/2).</summary>
    public static readonly Easing Out = new(s => Math.Sin(Math.PI * s / 2), Math.PI / 2);

    private readonly Func<double, double> profile;

    private Easing(Func<double, double> profile, double initialRate)
    {
        this.profile = profile;
        InitialRate = initialRate;
    }

    /// <summary>d(profile)/ds at s = 0.</summary>
    public double InitialRate { get; }

    public double At(double s) => profile(Math.Clamp(s, 0, 1));
}

/// <summary>A sequence of moves between sagittal postures; before the first and after the last it holds.</summary>
internal sealed class SagittalTimeline
{
    private readonly List<(double Start, double Duration, SagittalPosture From, SagittalPosture To, Easing Easing, Easing FootEasing)> moves = new();
    private readonly SagittalPosture initial;
    private SagittalPosture last;

    public SagittalTimeline(SagittalPosture initial) => this.initial = last = initial;

    public double EndSeconds { get; private set; }

    /// <summary>Keeps the current posture until the given time.</summary>
    public void Hold(double untilSeconds) => EndSeconds = Math.Max(EndSeconds, untilSeconds);

    /// <summary>Moves to a posture in the given time; the foot may follow its own profile (<paramref name="footEasing"/>, else <paramref name="easing"/>).</summary>
    public void MoveTo(SagittalPosture target, double seconds, Easing easing, Easing? footEasing = null)
    {
        moves.Add((EndSeconds, seconds, last, target, easing, footEasing ?? easing));
        EndSeconds += seconds;
        last = target;
    }

    public SagittalPosture At(double t)
    {
        SagittalPosture current = initial;
        foreach ((double s, double d, SagittalPosture from, SagittalPosture to, Easing easing, Easing foot) in moves)
        {
            if (t < s) return current;
            if (t < s + d) return SagittalPosture.Between(from, to, easing.At((t - s) / d), foot.At((t - s) / d));
            current = to;
        }
        return current;
    }
}
