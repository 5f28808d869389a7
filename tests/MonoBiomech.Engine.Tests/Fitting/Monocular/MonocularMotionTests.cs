using MonoBiomech.Engine.Tests.BodyModels;
using Xunit.Abstractions;

namespace MonoBiomech.Engine.Tests.Fitting.Monocular;

/// <summary>The bench motions are what they claim: inside the joint ranges, feet on the floor, published features, in view.</summary>
public sealed class MonocularMotionTests(ITestOutputHelper output)
{
    [MujocoTheory]
    [FitModelData(FitTestData.Own, MonocularMotion.Walking)]
    [FitModelData(FitTestData.Own, MonocularMotion.Running)]
    [FitModelData(FitTestData.Own, MonocularMotion.CountermovementJump)]
    [FitModelData(FitTestData.Own, MonocularMotion.SitToStand)]
    [FitModelData(FitTestData.Upstream, MonocularMotion.Walking)]
    [FitModelData(FitTestData.Upstream, MonocularMotion.Running)]
    [FitModelData(FitTestData.Upstream, MonocularMotion.CountermovementJump)]
    [FitModelData(FitTestData.Upstream, MonocularMotion.SitToStand)]
    public void EveryCoordinateStaysInItsRangeAndTheFeetStandOnTheFloor(string model, MonocularMotion motion)
    {
        MonocularMotionClip clip = MonocularTestClips.Get(model, motion);
        int n = clip.JointCount;
        for (int j = 0; j < n; j++)
        {
            MujocoJoint joint = clip.Model.Joints[j];
            if (!joint.IsLimited) continue;
            double[] values = Enumerable.Range(0, clip.FrameCount).Select(f => clip.Coordinates[f * n + j]).ToArray();
            Assert.True(values.Min() >= joint.LowerLimit && values.Max() <= joint.UpperLimit,
                $"{joint.Name} spans {Degrees(values.Min()):F1}..{Degrees(values.Max()):F1}° outside {Degrees(joint.LowerLimit):F1}..{Degrees(joint.UpperLimit):F1}°");
        }

        double[] right = SoleHeights(clip, "_r"), left = SoleHeights(clip, "_l");
        double worstContact = 0, lowestInFlight = double.PositiveInfinity;
        for (int f = 0; f < clip.FrameCount; f++)
        {
            double lowest = Math.Min(right[f], left[f]);
            if (clip.Supports[f] == FootSupport.Airborne) lowestInFlight = Math.Min(lowestInFlight, lowest);
            else worstContact = Math.Max(worstContact, Math.Abs(lowest));
        }
        output.WriteLine($"{model} {motion}: on the floor, the lowest sole point is off it by at most {worstContact * 1000:E1} mm; " +
            $"{clip.Supports.Count(s => s == FootSupport.Airborne)} flight frames" +
            (double.IsFinite(lowestInFlight) ? $", lowest sole point in flight {lowestInFlight * 1000:F1} mm" : ""));
        Assert.True(worstContact < 1e-6, $"the feet are {worstContact * 1000:F3} mm off the floor");
        Assert.True(!(lowestInFlight <= 0), $"a foot is {-lowestInFlight * 1000:F1} mm in the floor during a flight");
    }

    [MujocoTheory]
    [FitModelData(FitTestData.Own)]
    [FitModelData(FitTestData.Upstream)]
    public void RunningHasTheNovacheckFeaturesAndAFlightPhase(string model)
    {
        MonocularMotionClip clip = MonocularTestClips.Get(model, MonocularMotion.Running);
        (double min, double max) hip = Range(clip, "hip_flexion_r"), knee = Range(clip, "knee_angle_r"), ankle = Range(clip, "ankle_angle_r"), elbow = Range(clip, "elbow_flex_r");
        double landings = Landings(clip).Length;
        double pelvisOscillation = StepMedian(clip, f => clip.Body(f, "pelvis").Z);
        double flightFraction = clip.Supports.Count(s => s == FootSupport.Airborne) / (double)clip.FrameCount;
        double peakAcceleration = PeakVerticalAccelerationInG(clip);
        output.WriteLine($"{model} running: hip {hip.min:F0}..{hip.max:F0}°, knee flexion {-knee.max:F0}..{-knee.min:F0}°, ankle {ankle.min:F0}..{ankle.max:F0}°, elbow {elbow.min:F0}..{elbow.max:F0}°; " +
            $"{landings} landings in {clip.FrameCount / clip.FramesPerSecond:F0} s; pelvis vertical oscillation {pelvisOscillation * 100:F1} cm; flight {100 * flightFraction:F0} % of frames; peak vertical pelvis acceleration {peakAcceleration:F1} g");
        Assert.InRange(hip.min, -13, -7);
        Assert.InRange(hip.max, 42, 48);
        Assert.InRange(-knee.min, 100, 112);
        Assert.InRange(-knee.max, 7, 14);
        // With the stance foot flat on the floor the ankle follows from pelvis tilt, hip and knee: ~35° of dorsiflexion at
        // mid-stance in these models, more than Novacheck's ~20°.
        Assert.InRange(ankle.max, 17, 38);
        Assert.InRange(ankle.min, -28, -22);
        Assert.InRange(elbow.min, 70, 80);
        Assert.InRange(elbow.max, 100, 110);
        Assert.InRange(landings * 60 / (clip.FrameCount / clip.FramesPerSecond), 164, 186); // steps per minute, ±1 step of counting
        Assert.InRange(pelvisOscillation, 0.06, 0.09);
        Assert.InRange(flightFraction, 0.15, 0.35);
    }

    [MujocoTheory]
    [FitModelData(FitTestData.Own)]
    [FitModelData(FitTestData.Upstream)]
    public void WalkingHasTheNormalGaitFeatures(string model)
    {
        MonocularMotionClip clip = MonocularTestClips.Get(model, MonocularMotion.Walking);
        (double min, double max) hip = Range(clip, "hip_flexion_r"), knee = Range(clip, "knee_angle_r"), ankle = Range(clip, "ankle_angle_r");
        double[] z = Enumerable.Range(0, clip.FrameCount).Select(f => clip.Body(f, "pelvis").Z).ToArray();
        output.WriteLine($"{model} walking: hip {hip.min:F0}..{hip.max:F0}°, knee flexion {-knee.max:F0}..{-knee.min:F0}°, ankle {ankle.min:F0}..{ankle.max:F0}°; " +
            $"pelvis height range {100 * (z.Max() - z.Min()):F1} cm");
        Assert.InRange(hip.min, -13, -7);
        Assert.InRange(hip.max, 28, 34);
        Assert.InRange(-knee.min, 58, 66);
        Assert.InRange(ankle.min, -20, -14);
        Assert.InRange(z.Max() - z.Min(), 0.02, 0.06);
    }

    [MujocoTheory]
    [FitModelData(FitTestData.Own)]
    [FitModelData(FitTestData.Upstream)]
    public void TheJumpSquatsPushesOffAndFliesOnAParabola(string model)
    {
        MonocularMotionClip clip = MonocularTestClips.Get(model, MonocularMotion.CountermovementJump);
        double dt = 1 / clip.FramesPerSecond;
        double[] z = Enumerable.Range(0, clip.FrameCount).Select(f => clip.Body(f, "pelvis").Z).ToArray();
        int[] flight = Enumerable.Range(0, clip.FrameCount).Where(f => clip.Supports[f] == FootSupport.Airborne).ToArray();
        // Inside a flight the second difference of the height is −g dt².
        double worstGravity = Enumerable.Range(1, clip.FrameCount - 2).Where(f => flight.Contains(f - 1) && flight.Contains(f) && flight.Contains(f + 1))
            .Max(f => Math.Abs((z[f + 1] - 2 * z[f] + z[f - 1]) / (dt * dt) + FootGrounding.GravityMetresPerSecondSquared));
        double standing = z[0], apex = z.Max(), lowest = z.Min();
        (double min, double max) hip = Range(clip, "hip_flexion_r"), knee = Range(clip, "knee_angle_r"), ankle = Range(clip, "ankle_angle_r");
        double peakAcceleration = PeakVerticalAccelerationInG(clip);
        output.WriteLine($"{model} jump: {flight.Length} flight frames ({flight.Length * dt:F2} s in 2 jumps), apex {100 * (apex - standing):F1} cm above standing, " +
            $"squat {100 * (standing - lowest):F1} cm; hip max {hip.max:F0}°, knee flexion max {-knee.min:F0}°, ankle {ankle.min:F0}..{ankle.max:F0}°; " +
            $"|g error| in flight {worstGravity:E1} m/s²; peak vertical pelvis acceleration {peakAcceleration:F1} g");
        Assert.True(worstGravity < 1e-6);
        // No kink where the parabola meets the push-off and the landing (a velocity step would show as a spike here).
        Assert.True(peakAcceleration < 4, $"peak vertical acceleration {peakAcceleration:F1} g");
        Assert.InRange(flight.Length * dt / 2, 0.3, 0.5);
        Assert.InRange(apex - standing, 0.12, 0.35);
        Assert.InRange(hip.max, 70, 90);
        Assert.InRange(-knee.min, 85, 95);
        Assert.InRange(ankle.max, 20, 32);
    }

    [MujocoTheory]
    [FitModelData(FitTestData.Own)]
    [FitModelData(FitTestData.Upstream)]
    public void SitToStandRisesWithTheTrunkLeaningForwardAndTheFeetInPlace(string model)
    {
        MonocularMotionClip clip = MonocularTestClips.Get(model, MonocularMotion.SitToStand);
        int n = clip.JointCount, tilt = clip.Model.JointIndex("pelvis_tilt"), lumbar = clip.Model.JointIndex("lumbar_extension");
        double lean = Enumerable.Range(0, clip.FrameCount).Max(f => -Degrees(clip.Coordinates[f * n + tilt] + clip.Coordinates[f * n + lumbar]));
        double[] z = Enumerable.Range(0, clip.FrameCount).Select(f => clip.Body(f, "pelvis").Z).ToArray();
        double[] x = Enumerable.Range(0, clip.FrameCount).Select(f => clip.Body(f, "pelvis").X).ToArray();
        double footTravel = Enumerable.Range(0, clip.FrameCount).Max(f => Math.Max(Distance(clip, f, "sole.RFoot"), Distance(clip, f, "sole.LFoot")));
        (double min, double max) hip = Range(clip, "hip_flexion_r"), knee = Range(clip, "knee_angle_r");
        output.WriteLine($"{model} sit-to-stand: seated hip {Degrees(clip.Coordinates[clip.Model.JointIndex("hip_flexion_r")]):F0}°, knee flexion {-knee.min:F0}° max; " +
            $"trunk lean up to {lean:F0}°; pelvis rises {100 * (z.Max() - z.Min()):F0} cm and moves {100 * (x.Max() - x.Min()):F0} cm forward; forefeet move at most {1000 * footTravel:F1} mm");
        Assert.InRange(Degrees(clip.Coordinates[clip.Model.JointIndex("hip_flexion_r")]), 85, 95);
        Assert.InRange(hip.max, 105, 120);
        Assert.InRange(-knee.min, 90, 105);
        Assert.InRange(lean, 30, 40);
        Assert.InRange(z.Max() - z.Min(), 0.3, 0.6);
        Assert.True(footTravel < 0.015, $"a forefoot moves {1000 * footTravel:F1} mm");
    }

    [MujocoTheory]
    [FitModelData(FitTestData.Own)]
    [FitModelData(FitTestData.Upstream)]
    public void EveryViewKeepsTheSubjectInTheImage(string model)
    {
        foreach (MonocularMotion motion in Enum.GetValues<MonocularMotion>())
            foreach (MonocularView view in Enum.GetValues<MonocularView>())
            {
                MonocularRecording recording = MonocularBench.Record(MonocularTestClips.Get(model, motion), view, MonocularPreset.NoiseFree);
                VirtualPhoneCamera camera = recording.Camera;
                double pitchDown = Degrees(Math.Asin(-camera.WorldToCamera[8]));
                var k2 = recording.Keypoints.Keypoints2dPixels;
                output.WriteLine($"{model} {motion} {view}: {camera.Intrinsics.ImageWidthPixels}x{camera.Intrinsics.ImageHeightPixels}, {camera.DistanceMetres:F1} m, " +
                    $"{camera.PositionMetres[2]:F2} m high, pitched down {pitchDown:F1}°; 2D x {Enumerable.Range(0, k2.Length / 2).Min(i => k2[2 * i]):F0}..{Enumerable.Range(0, k2.Length / 2).Max(i => k2[2 * i]):F0} px");
                Assert.InRange(camera.DistanceMetres, 3, 5);
                Assert.InRange(camera.PositionMetres[2], 1.2, 1.5);
                Assert.InRange(pitchDown, 0, 12);
                for (int i = 0; i < k2.Length; i += 2)
                {
                    Assert.InRange(k2[i], 0, camera.Intrinsics.ImageWidthPixels - 1);
                    Assert.InRange(k2[i + 1], 0, camera.Intrinsics.ImageHeightPixels - 1);
                }
            }
    }

    /// <summary>Per frame, the lowest sole point of one foot (its bodies end in <paramref name="side"/>), in metres above the floor.</summary>
    private static double[] SoleHeights(MonocularMotionClip clip, string side)
    {
        int[] soles = Enumerable.Range(0, clip.Model.SiteNames.Length).Where(s => clip.Model.SiteNames[s].StartsWith("sole.", StringComparison.Ordinal)
            && clip.Model.BodyNames[clip.Model.SiteBodies[s]].EndsWith(side, StringComparison.Ordinal)).ToArray();
        return clip.Poses.Select(p => soles.Min(s => p.SitePositionsMetres[s * 3 + 2])).ToArray();
    }

    private static double Distance(MonocularMotionClip clip, int frame, string site)
    {
        int s = clip.Model.SiteIndex(site) * 3;
        double[] now = clip.Poses[frame].SitePositionsMetres, first = clip.Poses[0].SitePositionsMetres;
        return Math.Sqrt(Math.Pow(now[s] - first[s], 2) + Math.Pow(now[s + 1] - first[s + 1], 2));
    }

    private static (double Min, double Max) Range(MonocularMotionClip clip, string joint)
    {
        int n = clip.JointCount, j = clip.Model.JointIndex(joint);
        double[] values = Enumerable.Range(0, clip.FrameCount).Select(f => Degrees(clip.Coordinates[f * n + j])).ToArray();
        return (values.Min(), values.Max());
    }

    /// <summary>Frames where a flight ends.</summary>
    private static int[] Landings(MonocularMotionClip clip) =>
        Enumerable.Range(1, clip.FrameCount - 1).Where(f => clip.Supports[f] != FootSupport.Airborne && clip.Supports[f - 1] == FootSupport.Airborne).ToArray();

    /// <summary>Median over whole steps (landing to landing) of a quantity's peak-to-peak range.</summary>
    private static double StepMedian(MonocularMotionClip clip, Func<int, double> quantity)
    {
        int[] landings = Landings(clip);
        double[] ranges = landings.Zip(landings.Skip(1)).Select(s => Enumerable.Range(s.First, s.Second - s.First).Select(quantity).ToArray())
            .Select(v => v.Max() - v.Min()).Order().ToArray();
        return ranges[ranges.Length / 2];
    }

    /// <summary>Largest |second difference| of the pelvis height over the clip, in g.</summary>
    private static double PeakVerticalAccelerationInG(MonocularMotionClip clip)
    {
        double[] z = Enumerable.Range(0, clip.FrameCount).Select(f => clip.Body(f, "pelvis").Z).ToArray();
        double dt = 1 / clip.FramesPerSecond;
        return Enumerable.Range(1, clip.FrameCount - 2).Max(f => Math.Abs(z[f + 1] - 2 * z[f] + z[f - 1])) / (dt * dt) / FootGrounding.GravityMetresPerSecondSquared;
    }

    private static double Degrees(double radians) => radians * 180 / Math.PI;
}
