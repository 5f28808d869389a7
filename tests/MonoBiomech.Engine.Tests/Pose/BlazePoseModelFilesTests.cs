using MonoBiomech.Engine.Pose;
using MonoBiomech.Engine.Tests.TestSupport;
using MonoBiomech.Pose;
using MonoBiomech.Tests;

namespace MonoBiomech.Engine.Tests.Pose;

public sealed class BlazePoseModelFilesTests
{
    [Fact]
    public void The_engine_s_checksums_are_the_ones_build_ps1_installs_by()
    {
        var manifest = File.ReadAllLines(Path.Combine(SharedData.RepositoryRoot, "models", "blazepose.sha256"))
            .Select(l => l.Split("  ")).ToDictionary(p => p[1], p => p[0]);
        Assert.Equal(manifest.OrderBy(p => p.Key), BlazePoseModelFiles.All.ToDictionary(s => s.FileName, s => s.Sha256).OrderBy(p => p.Key));
    }

    [Fact]
    public void A_missing_model_names_the_file_its_checksum_the_folders_searched_and_where_it_comes_from()
    {
        using var folder = new TempFolder();
        var e = Assert.Throws<PoseModelFileException>(() => BlazePoseModelFiles.Locate(BlazePoseComplexity.Lite, folder.Path));
        Assert.Contains("pose_landmark_lite.tflite", e.Message);
        Assert.Contains("f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61", e.Message);
        Assert.Contains("npm pack @mediapipe/pose@0.5.1675469404", e.Message);
        Assert.Contains(Path.Combine(folder.Path, "blazepose"), e.SearchedFolders);
    }

    [Fact]
    public void A_file_that_is_not_the_published_one_is_refused_before_OpenCV_reads_it()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, "blazepose"));
        File.WriteAllBytes(Path.Combine(folder.Path, "blazepose", "pose_landmark_full.tflite"), new byte[1000]);
        var e = Assert.Throws<PoseModelFileException>(() => BlazePoseModelFiles.Locate(BlazePoseComplexity.Full, folder.Path));
        Assert.Contains("is not the published BlazePose model", e.Message);
        Assert.Contains("1,000 bytes", e.Message);
    }

    [Fact]
    public void The_landmark_names_are_the_blazepose_33_keypoint_set_in_output_order()
    {
        var set = KeypointSet.Load(Path.Combine(SharedData.RepositoryRoot, "models", "keypointsets", "blazepose_33.monobiomech_body.json"));
        Assert.Equal(PoseEstimationPipeline.BlazePoseKeypointSet, set.Name);
        Assert.Equal(set.Names, PoseEstimationPipeline.BlazePoseLandmarkNames);
    }
}
