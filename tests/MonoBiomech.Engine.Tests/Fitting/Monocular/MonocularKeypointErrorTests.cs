using System.Text.Json;
using MonoBiomech.Engine.Tests.BodyModels;
using MonoBiomech.Tests;
using Xunit.Abstractions;

namespace MonoBiomech.Engine.Tests.Fitting.Monocular;

/// <summary>Each error of the MeTRAbs-like model is there, with the size it claims, and nothing else is.</summary>
public sealed class MonocularKeypointErrorTests(ITestOutputHelper output)
{
    private static MonocularMotionClip Clip => MonocularTestClips.Get(FitTestData.Own, MonocularMotion.Running);

    [MujocoTheory]
    [InlineData(MonocularView.Side)]
    [InlineData(MonocularView.Front)]
    public void NoiseFreeKeypointsAreTheExactCameraFramePointsAndTheirProjections(MonocularView view)
    {
        MonocularRecording recording = MonocularBench.Record(Clip, view, MonocularPreset.NoiseFree);
        double worst3d = 0, worst2d = 0;
        ForEachPoint(recording, (f, j, clean3d, clean2d, o3, o2) =>
        {
            worst3d = Math.Max(worst3d, Enumerable.Range(0, 3).Max(a => Math.Abs(recording.Keypoints.Keypoints3dMillimetres[o3 + a] - clean3d[a])));
            worst2d = Math.Max(worst2d, Enumerable.Range(0, 2).Max(a => Math.Abs(recording.Keypoints.Keypoints2dPixels[o2 + a] - clean2d[a])));
        });
        Assert.Equal(0, worst3d);
        Assert.Equal(0, worst2d);
        Assert.All(recording.Keypoints.Confidences, c => Assert.Equal(1, c));
        // The 2D keypoints are the pinhole projections of the 3D ones (principal point at the image centre).
        var k = recording.Keypoints;
        Assert.Equal((k.Camera.ImageWidthPixels - 1) / 2.0, k.Camera.PrincipalPointXPixels);
        Assert.Equal(k.Keypoints2dPixels[0], k.Camera.FocalLengthXPixels * k.Keypoints3dMillimetres[0] / k.Keypoints3dMillimetres[2] + k.Camera.PrincipalPointXPixels, 9);
    }

    [MujocoTheory]
    [InlineData(MonocularView.Side)]
    [InlineData(MonocularView.Oblique)]
    public void TheCommonOffsetIsOnePerFrameLargerAlongTheRayAndAbsentFrom2d(MonocularView view)
    {
        MonocularRecording recording = MonocularBench.Record(Clip, view, MonocularPreset.CommonOffsetOnly);
        int frames = Clip.FrameCount;
        var offsets = new double[frames][];
        double spread = 0, worst2d = 0;
        ForEachPoint(recording, (f, j, clean3d, clean2d, o3, o2) =>
        {
            double[] d = Enumerable.Range(0, 3).Select(a => recording.Keypoints.Keypoints3dMillimetres[o3 + a] - clean3d[a]).ToArray();
            offsets[f] ??= d;
            spread = Math.Max(spread, Enumerable.Range(0, 3).Max(a => Math.Abs(d[a] - offsets[f][a])));
            worst2d = Math.Max(worst2d, Enumerable.Range(0, 2).Max(a => Math.Abs(recording.Keypoints.Keypoints2dPixels[o2 + a] - clean2d[a])));
        });
        // Split each frame's offset along the ray to the hip centre and across it.
        double alongSquares = 0, acrossSquares = 0;
        for (int f = 0; f < frames; f++)
        {
            var (r, l) = (recording.Camera.ToCamera(Clip.Body(f, "femur_r")), recording.Camera.ToCamera(Clip.Body(f, "femur_l")));
            double[] ray = BenchMath.Normalize([r.X + l.X, r.Y + l.Y, r.Z + l.Z]);
            double along = BenchMath.Dot(offsets[f], ray);
            alongSquares += along * along;
            acrossSquares += BenchMath.Dot(offsets[f], offsets[f]) - along * along;
        }
        double alongSigma = Math.Sqrt(alongSquares / frames), acrossSigma = Math.Sqrt(acrossSquares / frames / 2);
        output.WriteLine($"{view}: offset σ along the ray {alongSigma:F0} mm, across {acrossSigma:F1} mm; largest difference between points of a frame {spread:E1} mm; 2D changed by {worst2d} px");
        Assert.True(spread < 1e-9);
        Assert.Equal(0, worst2d);
        Assert.InRange(alongSigma, 130, 170);
        Assert.InRange(acrossSigma, 26, 34);
    }

    [MujocoTheory]
    [InlineData(MonocularView.Side)]
    [InlineData(MonocularView.Oblique)]
    [InlineData(MonocularView.Front)]
    public void RealisticKeypointsHaveMissingFramesSwapsOutliersAndAnOccludedFarSide(MonocularView view)
    {
        MonocularRecording recording = MonocularBench.Record(Clip, view, MonocularPreset.Realistic);
        var k = recording.Keypoints;
        int frames = k.FrameCount, joints = k.JointCount;
        int[] partner = MonocularKeypointErrors.MirrorPartners(k.JointNames);

        // Missing frames: zeros with confidence 0, exactly 3 %.
        int[] missing = Enumerable.Range(0, frames).Where(f => recording.MissingFrames[f]).ToArray();
        Assert.Equal(9, missing.Length);
        foreach (int f in missing)
        {
            Assert.All(Enumerable.Range(f * joints, joints), i => Assert.Equal(0, k.Confidences[i]));
            Assert.All(Enumerable.Range(f * joints * 3, joints * 3), i => Assert.Equal(0, k.Keypoints3dMillimetres[i]));
        }

        // Swaps: runs of 1, 5 and 15 frames; there a side's 2D point sits on its partner's true projection (judged where
        // the two projections are 50+ px apart: in a side view many are not, which is why estimators swap there).
        Assert.Equal(21, recording.SwappedFrames.Count(s => s));
        int onPartner = 0, onOwn = 0, outliers = 0, points = 0;
        var occludedConfidences = new List<double>();
        ForEachPoint(recording, (f, j, clean3d, clean2d, o3, o2) =>
        {
            if (recording.MissingFrames[f]) return;
            points++;
            int source = recording.SwappedFrames[f] ? partner[j] : j; // the true point now under label j
            (double x, double y, double z) = recording.Camera.ToCamera(Clip.Keypoint(f, source));
            (double u, double v) = recording.Camera.Intrinsics.Project(x, y, z);
            double error2d = Math.Sqrt(Math.Pow(k.Keypoints2dPixels[o2] - u, 2) + Math.Pow(k.Keypoints2dPixels[o2 + 1] - v, 2));
            if (error2d > 25) outliers++;
            if (recording.SwappedFrames[f] && partner[j] != j && Math.Sqrt(Math.Pow(u - clean2d[0], 2) + Math.Pow(v - clean2d[1], 2)) > 50)
            {
                if (error2d < 25) onPartner++;
                if (Math.Sqrt(Math.Pow(k.Keypoints2dPixels[o2] - clean2d[0], 2) + Math.Pow(k.Keypoints2dPixels[o2 + 1] - clean2d[1], 2)) < 25) onOwn++;
            }
            double confidence = k.Confidences[f * joints + j];
            if (confidence < 1) occludedConfidences.Add(confidence);
        });
        double outlierFraction = outliers / (double)points;
        output.WriteLine($"{view}: {missing.Length} missing frames; swapped points on their partner's projection {onPartner}, on their own {onOwn}; " +
            $"2D errors over 25 px {100 * outlierFraction:F1} %; {occludedConfidences.Count} points with confidence < 1 ({100.0 * occludedConfidences.Count / points:F0} %)");
        Assert.True(onPartner > 10 * Math.Max(onOwn, 1), "swapped frames must carry the mirrored points");
        Assert.InRange(outlierFraction, 0.035, 0.07);
        Assert.All(occludedConfidences, c => Assert.InRange(c, 0.3, 0.6));
        if (view == MonocularView.Front) Assert.Empty(occludedConfidences);
        else
        {
            // The camera is on the subject's right: the left arm and leg are the far side.
            int leftLimbPoints = Clip.KeypointSides.Count(s => s == LimbSide.Left);
            Assert.InRange(occludedConfidences.Count, 0.9 * leftLimbPoints * (frames - missing.Length), leftLimbPoints * (frames - missing.Length));
        }
    }

    [MujocoTheory]
    [InlineData(MonocularView.Side)]
    public void HipCentred3dHasItsOriginBetweenTheHipsAnd2dStaysAbsolute(MonocularView view)
    {
        MonocularRecording recording = MonocularBench.Record(Clip, view, MonocularPreset.RealisticHipCentred);
        var k = recording.Keypoints;
        int joints = k.JointCount, right = k.JointNames.ToList().IndexOf("RHip"), left = k.JointNames.ToList().IndexOf("LHip");
        var centres = Enumerable.Range(0, k.FrameCount).Where(f => !recording.MissingFrames[f])
            .Select(f => Enumerable.Range(0, 3).Select(a => (k.Keypoints3dMillimetres[(f * joints + right) * 3 + a] + k.Keypoints3dMillimetres[(f * joints + left) * 3 + a]) / 2).ToArray())
            .ToArray();
        double[] median = Enumerable.Range(0, 3).Select(a => centres.Select(c => c[a]).Order().ElementAt(centres.Length / 2)).ToArray();
        double[] u = Enumerable.Range(0, k.FrameCount).Where(f => !recording.MissingFrames[f]).Select(f => k.Keypoints2dPixels[(f * joints + right) * 2]).ToArray();
        output.WriteLine($"median hip-keypoint centre ({median[0]:F1}, {median[1]:F1}, {median[2]:F1}) mm; RHip image x {u.Min():F0}..{u.Max():F0} px");
        Assert.All(median, m => Assert.InRange(m, -10, 10));
        Assert.True(u.Min() > 100, "2D keypoints stay where the person is in the image");
    }

    [SharedDataFact]
    public void MirrorPartnersAreMetrabsMirrorMappingForBmlMovi87()
    {
        using JsonDocument derived = JsonDocument.Parse(File.ReadAllText(SharedData.DataFile("metrabs_derived.json")));
        var table = derived.RootElement.GetProperty("bml_movi_87").EnumerateArray()
            .Select(e => (Index: e.GetProperty("index_in_555").GetInt32(), Mirror: e.GetProperty("mirror_index_in_555").GetInt32(), Site: e.GetProperty("main_py_site_name").GetString()!))
            .ToArray();
        string[] names = table.Select(e => e.Site).ToArray();
        int[] expected = table.Select(e => Array.FindIndex(table, o => o.Index == e.Mirror)).ToArray();
        Assert.Equal(expected, MonocularKeypointErrors.MirrorPartners(names));
        Assert.Equal(39, expected.Where((m, j) => m != j).Count() / 2); // 87 keypoints, 9 on the midline
    }

    /// <summary>Calls back per frame and keypoint with the exact camera-frame point (mm), its projection (px) and the offsets into the 3D and 2D arrays.</summary>
    private static void ForEachPoint(MonocularRecording recording, Action<int, int, double[], double[], int, int> visit)
    {
        int joints = recording.Keypoints.JointCount;
        for (int f = 0; f < recording.Keypoints.FrameCount; f++)
            for (int j = 0; j < joints; j++)
            {
                (double x, double y, double z) = recording.Camera.ToCamera(recording.Truth.Keypoint(f, j));
                (double u, double v) = recording.Camera.Intrinsics.Project(x, y, z);
                visit(f, j, [1000 * x, 1000 * y, 1000 * z], [u, v], (f * joints + j) * 3, (f * joints + j) * 2);
            }
    }
}
