namespace MonoBiomech.Tests;

/// <summary>A fact that needs ../shared; skipped with a visible reason where it is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (SharedData.Directory is null)
            Skip = "../shared (the team's shared data) is absent beside the repository; set MONOBIOMECH_SHARED to run this test.";
    }
}

/// <summary>A theory that needs ../shared; skipped with a visible reason where it is absent.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute()
    {
        if (SharedData.Directory is null)
            Skip = "../shared (the team's shared data) is absent beside the repository; set MONOBIOMECH_SHARED to run this test.";
    }
}

/// <summary>
/// A test that runs BlazePose on the shared clips: needs ../shared and the landmark networks in models/blazepose/, which
/// build.ps1 (and so .ci/run) fetches from npm; skipped with a visible reason where either is absent.
/// </summary>
public sealed class BlazePoseFactAttribute : FactAttribute
{
    public static string ModelsFolder => Path.Combine(SharedData.RepositoryRoot, "models");

    public BlazePoseFactAttribute()
    {
        if (SharedData.Directory is null)
            Skip = "../shared (the team's shared data) is absent beside the repository; set MONOBIOMECH_SHARED to run this test.";
        else if (!File.Exists(Path.Combine(ModelsFolder, "blazepose", "pose_landmark_full.tflite")))
            Skip = "models/blazepose/ holds no BlazePose networks: run ./build.ps1 (it fetches them with npm pack).";
    }
}

/// <summary>A fact that needs the ffmpeg CLI; skipped with a visible reason where it is absent.</summary>
public sealed class FfmpegFactAttribute : FactAttribute
{
    public FfmpegFactAttribute()
    {
        if (!Ffmpeg.Available)
            Skip = "The ffmpeg CLI is not on PATH (it makes the H.264 test clips this test needs).";
    }
}

/// <summary>A theory that needs the ffmpeg CLI; skipped with a visible reason where it is absent.</summary>
public sealed class FfmpegTheoryAttribute : TheoryAttribute
{
    public FfmpegTheoryAttribute()
    {
        if (!Ffmpeg.Available)
            Skip = "The ffmpeg CLI is not on PATH (it makes the H.264 test clips this test needs).";
    }
}
