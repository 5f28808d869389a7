using System.Management.Automation;
using MonoBiomech.Tests;

namespace MonoBiomech.Module.Tests;

public sealed class BiomechFitCmdletTests(FitFixtures fixtures, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<FitFixtures>
{
    private const string ResultType = "MonoBiomech.Fitting.BiomechFitResult";
    private const string FitCommand = "MonoBiomech.Commands.InvokeBiomechFitCommand";
    private const string ImportCommand = "MonoBiomech.Commands.ImportBiomechFitCommand";

    private static T Value<T>(PSObject result, string property) => (T)result.Properties[property].Value;

    /// <summary>A numeric array property of a result (the contract exposes read-only lists).</summary>
    private static double[] Numbers(PSObject result, string property) => ((IEnumerable<double>)result.Properties[property].Value).ToArray();

    private static PSObject Metrics(PSObject result) => PSObject.AsPSObject(result.Properties["Metrics"].Value);

    private static double RmseDegrees(PSObject result, SyntheticClip clip, string coordinate)
    {
        int n = clip.CoordinateNames.Length, d = Array.IndexOf(clip.CoordinateNames, coordinate);
        double[] fitted = Numbers(result, "CoordinateValues");
        int frames = fitted.Length / n;
        double sum = 0;
        for (int t = 0; t < frames; t++)
            sum += Math.Pow(fitted[t * n + d] - clip.TrueCoordinates[t * n + d], 2);
        return Math.Sqrt(sum / frames) * 180 / Math.PI;
    }

    private static (PowerShell Ps, List<PSObject> Results) Invoke(HostedModule host, string script, params (string Name, object? Value)[] parameters)
    {
        var ps = host.Create();
        ps.AddScript(script);
        foreach ((string name, object? value) in parameters)
            ps.AddParameter(name, value);
        return (ps, ps.Invoke().ToList());
    }

    private static List<(string Id, ErrorCategory Category, string Target)> Errors(PowerShell ps) =>
        ps.Streams.Error.Select(e => (e.FullyQualifiedErrorId, e.CategoryInfo.Category, e.TargetObject?.ToString() ?? "")).ToList();

    [Fact]
    public void SyntheticWalkIsFittedCloseToTheTruth()
    {
        SyntheticClip clip = fixtures.WriteWalkingClip("accuracy", "walk", frames: 60, seed: 11);
        using var host = HostedModule.Import();
        var result = Assert.Single(host.Run("param($p) Invoke-BiomechFit -LiteralPath $p", new Dictionary<string, object?> { ["p"] = clip.KeypointsPath }));

        Assert.Equal(ResultType, result.BaseObject.GetType().FullName);
        Assert.Equal(clip.KeypointsPath, Value<string>(result, "Source"));
        Assert.Equal(60, Value<int>(result, "FrameCount"));
        Assert.Equal(clip.CoordinateNames, Value<IReadOnlyList<string>>(result, "CoordinateNames"));
        double kneeRight = RmseDegrees(result, clip, "knee_angle_r"), kneeLeft = RmseDegrees(result, clip, "knee_angle_l");
        double hipRight = RmseDegrees(result, clip, "hip_flexion_r");
        output.WriteLine($"knee RMSE r {kneeRight:F2}°, l {kneeLeft:F2}°, hip flexion r {hipRight:F2}°; 3D error {Metrics(result).Properties["Mean3dErrorMillimetres"].Value:F1} mm");
        // noise-free keypoints: the engine reaches about 0.01°; 1° leaves room for other seeds and platforms
        Assert.InRange(kneeRight, 0, 1);
        Assert.InRange(kneeLeft, 0, 1);
        Assert.InRange(hipRight, 0, 1);
        Assert.InRange((double)Metrics(result).Properties["Mean3dErrorMillimetres"].Value, 0, 20);
        Assert.True((int)Metrics(result).Properties["Iterations"].Value > 2);
    }

    [Fact]
    public void FileInfoObjectsAndPoseSequencesFromThePipelineEachGiveOneResult()
    {
        string first = fixtures.WriteWalkingClip("pipeline", "a", frames: 20, seed: 1).KeypointsPath;
        string second = fixtures.WriteWalkingClip("pipeline", "b", frames: 20, seed: 2).KeypointsPath;
        using var host = HostedModule.Import();
        var fromFiles = host.Run("param($d) [IO.DirectoryInfo]::new($d).GetFiles('*_keypoints.npz') | Invoke-BiomechFit -MaxIters 5",
            new Dictionary<string, object?> { ["d"] = Path.GetDirectoryName(first) });
        Assert.Equal(new[] { first, second }, fromFiles.Select(r => Value<string>(r, "Source")).Order());
        var fromStrings = host.Run("param($p) $p | Invoke-BiomechFit -MaxIters 5", new Dictionary<string, object?> { ["p"] = new[] { second, first } });
        Assert.Equal(new[] { second, first }, fromStrings.Select(r => Value<string>(r, "Source")));
        var positional = host.Run("param($p) Invoke-BiomechFit $p -MaxIters 5", new Dictionary<string, object?> { ["p"] = first });
        Assert.Equal(first, Value<string>(Assert.Single(positional), "Source"));

        object[] sequences = { fixtures.PoseSequence(20, 3, "/videos/one.mp4"), fixtures.PoseSequence(20, 4, "/videos/two.mp4") };
        var fromObjects = host.Run("param($s) $s | Invoke-BiomechFit -MaxIters 5", new Dictionary<string, object?> { ["s"] = sequences });
        Assert.Equal(new[] { "/videos/one.mp4", "/videos/two.mp4" }, fromObjects.Select(r => Value<string>(r, "Source")));
        Assert.All(fromObjects, r => Assert.Equal(20, Value<int>(r, "FrameCount")));
        var positionalObjects = host.Run("param($s) Invoke-BiomechFit $s -MaxIters 5", new Dictionary<string, object?> { ["s"] = sequences });
        Assert.Equal(new[] { "/videos/one.mp4", "/videos/two.mp4" }, positionalObjects.Select(r => Value<string>(r, "Source")));
    }

    [Fact]
    public void OutputDirectoryGetsTheFittedModelWhichImportsBackEqual()
    {
        string input = fixtures.WriteWalkingClip("output", "trial", frames: 20, seed: 5).KeypointsPath;
        string outputDirectory = Path.Combine(fixtures.Directory, "output", "fits");
        string written = Path.Combine(outputDirectory, "trial_fitted_model.npz");
        using var host = HostedModule.Import();
        var arguments = new Dictionary<string, object?> { ["p"] = input, ["o"] = outputDirectory };

        Assert.Empty(host.Run("param($p, $o) Invoke-BiomechFit -LiteralPath $p -OutputDirectory $o -WhatIf", arguments));
        Assert.False(File.Exists(written));
        Assert.False(Directory.Exists(outputDirectory));

        var fitted = Assert.Single(host.Run("param($p, $o) Invoke-BiomechFit -LiteralPath $p -OutputDirectory $o -MaxIters 5", arguments));
        Assert.True(File.Exists(written));
        Assert.Single(Directory.GetFiles(outputDirectory)); // no temporary file left behind
        var imported = Assert.Single(host.Run("param($f) Import-BiomechFit -Path $f", new Dictionary<string, object?> { ["f"] = written }));
        Assert.Equal(ResultType, imported.BaseObject.GetType().FullName);
        Assert.Equal(written, Value<string>(imported, "Source"));
        foreach (string property in new[] { "TimestampsSeconds", "CoordinateValues", "CoordinateVelocities", "SitePositionsMetres", "BodyPositionsMetres", "ScaleIncrements", "SiteOffsetsMetres", "CameraToWorldRotation" })
            Assert.Equal(Numbers(fitted, property), Numbers(imported, property));
        foreach (string property in new[] { "CoordinateNames", "SiteNames", "BodyNames", "ScaleGroupNames" })
            Assert.Equal(Value<IReadOnlyList<string>>(fitted, property), Value<IReadOnlyList<string>>(imported, property));
        Assert.Equal(Metrics(fitted).Properties["Iterations"].Value, Metrics(imported).Properties["Iterations"].Value);

        // An existing file is refused without -Force and left intact.
        File.WriteAllText(written, "keep me");
        var (refused, nothing) = Invoke(host, "param($p, $o) Invoke-BiomechFit -LiteralPath $p -OutputDirectory $o -MaxIters 5",
            ("p", input), ("o", outputDirectory));
        using (refused)
        {
            Assert.Empty(nothing);
            Assert.Equal(new[] { ("OutputExists," + FitCommand, ErrorCategory.ResourceExists, written) }, Errors(refused));
        }
        Assert.Equal("keep me", File.ReadAllText(written));

        var forced = Assert.Single(host.Run("param($p, $o) Invoke-BiomechFit -LiteralPath $p -OutputDirectory $o -MaxIters 5 -Force", arguments));
        Assert.Equal(Numbers(forced, "CoordinateValues"), Numbers(Assert.Single(host.Run("param($f) Import-BiomechFit -LiteralPath $f",
            new Dictionary<string, object?> { ["f"] = written })), "CoordinateValues"));
    }

    [Fact]
    public void TwoInputsForOneOutputFileAreAnErrorEvenWithForce()
    {
        string first = fixtures.WriteWalkingClip("collide/a", "walk", frames: 20, seed: 41).KeypointsPath;
        string second = fixtures.WriteWalkingClip("collide/b", "walk", frames: 20, seed: 42).KeypointsPath;
        string outputDirectory = Path.Combine(fixtures.Directory, "collide", "fits");
        using var host = HostedModule.Import();

        var (ps, results) = Invoke(host, "param($p, $o) Invoke-BiomechFit -LiteralPath $p -OutputDirectory $o -MaxIters 5 -Force",
            ("p", new[] { first, second }), ("o", outputDirectory));
        using (ps)
        {
            Assert.Equal(first, Value<string>(Assert.Single(results), "Source"));
            Assert.Equal(new[] { ("DuplicateOutputPath," + FitCommand, ErrorCategory.InvalidOperation, second) }, Errors(ps));
        }
        var written = Assert.Single(host.Run("param($f) Import-BiomechFit -LiteralPath $f",
            new Dictionary<string, object?> { ["f"] = Path.Combine(outputDirectory, "walk_fitted_model.npz") }));
        Assert.Equal(Numbers(results[0], "CoordinateValues"), Numbers(written, "CoordinateValues"));
    }

    [Fact]
    public void PathParametersOutsideTheFileSystemStopTheCommandAndWriteNothing()
    {
        string input = fixtures.WriteWalkingClip("providers", "walk", frames: 10, seed: 43).KeypointsPath;
        string location = Directory.CreateDirectory(Path.Combine(fixtures.Directory, "providers", "location")).FullName;
        using var host = HostedModule.Import();
        host.Run("param($l) $null = $ExecutionContext.SessionState.Path.SetLocation($l)", new Dictionary<string, object?> { ["l"] = location });
        foreach ((string parameter, string value, string id, ErrorCategory category) in new[]
                 {
                     ("OutputDirectory", "Env:/mb-fits", "NotAFileSystemPath", ErrorCategory.InvalidArgument),
                     ("OutputDirectory", "NoDrive:/mb-fits", "DriveNotFound", ErrorCategory.ObjectNotFound),
                     ("BodyModel", "Env:/body.xml", "NotAFileSystemPath", ErrorCategory.InvalidArgument),
                     ("BodyModel", "NoDrive:/body.xml", "DriveNotFound", ErrorCategory.ObjectNotFound),
                 })
        {
            using var ps = host.Create();
            ps.AddCommand("Invoke-BiomechFit").AddParameter("LiteralPath", input).AddParameter(parameter, value).AddParameter("MaxIters", 2);
            var error = Assert.ThrowsAny<RuntimeException>(() => ps.Invoke()).ErrorRecord;
            Assert.Equal((id + "," + FitCommand, category, value), (error.FullyQualifiedErrorId, error.CategoryInfo.Category, error.TargetObject));
        }
        // nothing relative to the process directory or the location
        Assert.False(Directory.Exists(Path.Combine(Environment.CurrentDirectory, "mb-fits")));
        Assert.Empty(Directory.GetFileSystemEntries(location));
    }

    [Fact]
    public void SameSubjectSharesBodyScalesAcrossVideos()
    {
        // clearly different generated subjects, so separate fits must find different scales
        string first = fixtures.WriteWalkingClip("subject", "left", frames: 24, seed: 21, scaleRange: 0.1).KeypointsPath;
        string second = fixtures.WriteWalkingClip("subject", "right", frames: 24, seed: 22, scaleRange: 0.1).KeypointsPath;
        using var host = HostedModule.Import();
        var paths = new Dictionary<string, object?> { ["p"] = new[] { first, second } };

        var separate = host.Run("param($p) Invoke-BiomechFit -LiteralPath $p -MaxIters 10", paths);
        Assert.Equal(2, separate.Count);
        Assert.NotEqual(Numbers(separate[0], "ScaleIncrements"), Numbers(separate[1], "ScaleIncrements"));

        var shared = host.Run("param($p) Invoke-BiomechFit -LiteralPath $p -MaxIters 10 -SameSubject", paths);
        Assert.Equal(new[] { first, second }, shared.Select(r => Value<string>(r, "Source")));
        Assert.Equal(Numbers(shared[0], "ScaleIncrements"), Numbers(shared[1], "ScaleIncrements"));
        Assert.Equal(Numbers(shared[0], "SiteOffsetsMetres"), Numbers(shared[1], "SiteOffsetsMetres"));

        // a video the engine rejects is reported and the subject is fitted from the others
        string tooShort = fixtures.WriteWalkingClip("subject", "short", frames: 2, seed: 23).KeypointsPath;
        var (ps, withRejected) = Invoke(host, "param($p) Invoke-BiomechFit -LiteralPath $p -MaxIters 10 -SameSubject", ("p", new[] { first, tooShort, second }));
        using (ps)
        {
            Assert.Equal(new[] { ("FitFailed," + FitCommand, ErrorCategory.InvalidData, tooShort) }, Errors(ps));
            Assert.Equal("TooFewFrames", PSObject.AsPSObject(ps.Streams.Error[0].Exception).Properties["Problem"].Value.ToString());
            Assert.Equal(new[] { first, second }, withRejected.Select(r => Value<string>(r, "Source")));
            Assert.Equal(Numbers(withRejected[0], "ScaleIncrements"), Numbers(withRejected[1], "ScaleIncrements"));
        }
    }

    [Fact]
    public void EachBadInputGetsItsOwnErrorAndTheBatchGoesOn()
    {
        string good = fixtures.WriteWalkingClip("errors", "good", frames: 20, seed: 7).KeypointsPath;
        string folder = Directory.CreateDirectory(Path.Combine(fixtures.Directory, "errors", "folder_keypoints.npz")).FullName;
        string missing = Path.Combine(fixtures.Directory, "errors", "missing_keypoints.npz");
        string text = Path.Combine(fixtures.Directory, "errors", "notes_keypoints.npz");
        File.WriteAllText(text, "not a zip archive");
        string video = Path.Combine(fixtures.Directory, "errors", "uncached.mp4");
        File.WriteAllBytes(video, new byte[] { 0, 0, 0, 24, (byte)'f', (byte)'t', (byte)'y', (byte)'p' });
        string missingVideo = Path.Combine(fixtures.Directory, "errors", "missing.mp4");
        string tooShort = fixtures.WriteWalkingClip("errors", "short", frames: 2, seed: 8).KeypointsPath;
        using var host = HostedModule.Import();

        var (ps, results) = Invoke(host, "param($p) Invoke-BiomechFit -LiteralPath $p -MaxIters 5",
            ("p", new[] { missing, folder, text, video, missingVideo, "Env:PATH", "NoDrive:/x_keypoints.npz", tooShort, good }));
        using (ps)
        {
            Assert.Equal(good, Value<string>(Assert.Single(results), "Source"));
            Assert.Equal(new[]
            {
                ("KeypointsFileNotFound," + FitCommand, ErrorCategory.ObjectNotFound, missing),
                ("PathIsDirectory," + FitCommand, ErrorCategory.InvalidArgument, folder),
                ("NotAKeypointsFile," + FitCommand, ErrorCategory.InvalidData, text),
                ("KeypointsNotInCache," + FitCommand, ErrorCategory.ObjectNotFound, video),
                ("VideoNotFound," + FitCommand, ErrorCategory.ObjectNotFound, missingVideo),
                ("NotAFileSystemPath," + FitCommand, ErrorCategory.InvalidArgument, "Env:PATH"),
                ("DriveNotFound," + FitCommand, ErrorCategory.ObjectNotFound, "NoDrive:/x_keypoints.npz"),
                ("FitFailed," + FitCommand, ErrorCategory.InvalidData, tooShort),
            }, Errors(ps));
            // what the user can do now: compute the keypoints, or pass a keypoint file
            string notCached = ps.Streams.Error[3].Exception.Message;
            Assert.Contains("_keypoints.npz", notCached);
            Assert.Contains("Run Get-PoseKeypoints on the video first", notCached);
            Assert.Equal("TooFewFrames", PSObject.AsPSObject(ps.Streams.Error[7].Exception).Properties["Problem"].Value.ToString());
        }

        // -Path: the same per-input errors, never a terminating one
        var (patterns, fromPatterns) = Invoke(host, "param($p) Invoke-BiomechFit -Path $p -MaxIters 5", ("p", new[] { "Env:PATH", "NoDrive:/*.npz", good }));
        using (patterns)
        {
            Assert.Equal(good, Value<string>(Assert.Single(fromPatterns), "Source"));
            Assert.Equal(new[]
            {
                ("NotAFileSystemPath," + FitCommand, ErrorCategory.InvalidArgument, "Env:PATH"),
                ("DriveNotFound," + FitCommand, ErrorCategory.ObjectNotFound, "NoDrive:/*.npz"),
            }, Errors(patterns));
        }

        var (wildcard, none) = Invoke(host, "param($p) Invoke-BiomechFit -Path $p", ("p", Path.Combine(fixtures.Directory, "errors", "nothing*_keypoints.npz")));
        using (wildcard)
        {
            Assert.Empty(none);
            Assert.Equal("KeypointsFileNotFound," + FitCommand, Assert.Single(wildcard.Streams.Error).FullyQualifiedErrorId);
        }
    }

    [Fact]
    public void AVideoWhoseKeypointsAreCachedIsFitted()
    {
        string video = Path.Combine(Directory.CreateDirectory(Path.Combine(fixtures.Directory, "cache")).FullName, "cached.mp4");
        File.WriteAllBytes(video, new byte[] { 1, 2, 3 });
        fixtures.CacheKeypoints(video, fixtures.PoseSequence(20, 9, video), stage: "Pose");
        string other = Path.Combine(fixtures.Directory, "cache", "other-stage.mp4");
        File.WriteAllBytes(other, new byte[] { 1, 2, 3 });
        fixtures.CacheKeypoints(other, fixtures.PoseSequence(20, 9, other), stage: "PersonDetection");
        using var host = HostedModule.Import();

        var (ps, results) = Invoke(host, "param($p) Invoke-BiomechFit -LiteralPath $p -MaxIters 5", ("p", new[] { video, other }));
        using (ps)
        {
            Assert.Equal(video, Value<string>(Assert.Single(results), "Source"));
            Assert.Equal(new[] { ("KeypointsNotInCache," + FitCommand, ErrorCategory.ObjectNotFound, other) }, Errors(ps));
        }
    }

    [Fact]
    public void TooFewFramesInAPipedSequenceIsAFitFailure()
    {
        using var host = HostedModule.Import();
        var (ps, results) = Invoke(host, "param($s) $s | Invoke-BiomechFit -MaxIters 5",
            ("s", new[] { fixtures.PoseSequence(20, 10, "/videos/two-frames.mp4", keepFrames: 2), fixtures.PoseSequence(20, 10, "/videos/whole.mp4") }));
        using (ps)
        {
            Assert.Equal("/videos/whole.mp4", Value<string>(Assert.Single(results), "Source"));
            Assert.Equal(new[] { ("FitFailed," + FitCommand, ErrorCategory.InvalidData, "/videos/two-frames.mp4") }, Errors(ps));
        }
    }

    [Fact]
    public void AMissingOrInvalidBodyModelStopsTheCommand()
    {
        string input = fixtures.WriteWalkingClip("bodymodel", "walk", frames: 10, seed: 12).KeypointsPath;
        string invalid = Path.Combine(fixtures.Directory, "bodymodel", "broken.xml");
        File.WriteAllText(invalid, "<mujoco><worldbody><body name='a'><joint type='free'/></body></worldbody></mujoco>");
        using var host = HostedModule.Import();
        foreach ((string model, string id, ErrorCategory category) in new[]
                 {
                     (Path.Combine(fixtures.Directory, "bodymodel", "none.xml"), "BodyModelNotFound", ErrorCategory.ObjectNotFound),
                     (invalid, "BodyModelInvalid", ErrorCategory.InvalidData),
                 })
        {
            using var ps = host.Create();
            ps.AddCommand("Invoke-BiomechFit").AddParameter("LiteralPath", input).AddParameter("BodyModel", model);
            var error = Assert.ThrowsAny<RuntimeException>(() => ps.Invoke()).ErrorRecord;
            Assert.Equal(id + "," + FitCommand, error.FullyQualifiedErrorId);
            Assert.Equal(category, error.CategoryInfo.Category);
            Assert.Equal(model, error.TargetObject);
        }

        // an explicit valid model works (the module's own copy)
        Assert.Single(host.Run("param($p, $m) Invoke-BiomechFit -LiteralPath $p -BodyModel $m -MaxIters 2",
            new Dictionary<string, object?> { ["p"] = input, ["m"] = FitFixtures.BodyModelPath }));
    }

    [Fact]
    public void ProgressReportsStageIterationAndCostThenCompletes()
    {
        string input = fixtures.WriteWalkingClip("progress", "walk", frames: 20, seed: 13).KeypointsPath;
        using var host = HostedModule.Import();
        using var ps = host.Create();
        ps.AddCommand("Invoke-BiomechFit").AddParameter("LiteralPath", input).AddParameter("MaxIters", 5);
        Assert.Single(ps.Invoke());

        var processing = HostedModule.AssertProgressThenCompleted(ps, @"^.+: iteration \d+/\d+, cost \S+$", "walk_keypoints.npz");
        Assert.Contains(processing, r => r.StatusDescription.StartsWith("robust fit", StringComparison.Ordinal));
    }

    [Fact]
    public void MaxItersIsHonouredAndOneThreadIsEnough()
    {
        string input = fixtures.WriteWalkingClip("maxiters", "walk", frames: 20, seed: 14).KeypointsPath;
        using var host = HostedModule.Import();
        var result = Assert.Single(host.Run("param($p) Invoke-BiomechFit -LiteralPath $p -MaxIterations 1 -ThreadCount 1", new Dictionary<string, object?> { ["p"] = input }));
        // one iteration in each of the two solve stages
        Assert.InRange((int)Metrics(result).Properties["Iterations"].Value, 1, 2);
    }

    [Fact]
    public void StopEndsALongFitPromptly()
    {
        string input = fixtures.WriteWalkingClip("stop", "long", frames: 900, seed: 15).KeypointsPath;
        using var host = HostedModule.Import();
        using var ps = host.Create();
        ps.AddCommand("Invoke-BiomechFit").AddParameter("LiteralPath", input).AddParameter("Tolerance", 0.0);

        // the whole fit takes about 10 s on 2 cores
        TimeSpan stopping = HostedModule.StopAfterFirstProgress(ps);
        output.WriteLine($"Stop() returned after {stopping.TotalMilliseconds:F0} ms");
        Assert.True(stopping < TimeSpan.FromSeconds(1), $"Stop took {stopping.TotalMilliseconds:F0} ms");
    }

    // The generator films with a 1920x1080 camera and MeTRAbs' 55° field of view: with that camera the noise-free keypoints
    // reproject exactly, with any other the 2D error stays large. So the 2D error tells which camera was used.
    private const string FitWithExtra = "param($p, $extra) Invoke-BiomechFit -LiteralPath $p -MaxIters 20 @extra";
    private static readonly double GeneratorFocalPixels = 1920 / (2 * Math.Tan(55.0 * Math.PI / 360));

    private static System.Collections.Hashtable Extra(params (string Name, object Value)[] parameters) =>
        new(parameters.ToDictionary(p => p.Name, p => p.Value));

    private static double Error2dPixels(PSObject result) => (double)Metrics(result).Properties["Mean2dErrorPixels"].Value;

    [Fact]
    public void KeypointFilesWithoutACameraOrVideoAssumeUpstreamsCameraWithAWarning()
    {
        string lonely = fixtures.WriteUpstreamStyleClip("camera", "lonely", frames: 20, seed: 16);
        using var host = HostedModule.Import();

        var (warned, assumed) = Invoke(host, FitWithExtra, ("p", lonely), ("extra", Extra()));
        using (warned)
        {
            Assert.Empty(warned.Streams.Error);
            string warning = Assert.Single(warned.Streams.Warning).Message;
            Assert.Contains("Samsung S20 camera (fx = fy = 1433.33 px, 1080x1920) and 30 frames/s", warning);
            Assert.Contains("-FocalLengthPixels, -ImageWidthPixels, -ImageHeightPixels and -FramesPerSecond", warning);
            Assert.True(Error2dPixels(Assert.Single(assumed)) > 5, $"S20 camera: 2D error {Error2dPixels(assumed[0]):F1} px");
        }

        var (given, right) = Invoke(host, FitWithExtra, ("p", lonely),
            ("extra", Extra(("FocalLengthPixels", GeneratorFocalPixels), ("ImageWidthPixels", 1920), ("ImageHeightPixels", 1080), ("FramesPerSecond", 30.0))));
        using (given)
        {
            Assert.Empty(given.Streams.Error);
            Assert.Empty(given.Streams.Warning);
            Assert.InRange(Error2dPixels(Assert.Single(right)), 0, 1);
        }

        string damaged = fixtures.WriteUpstreamStyleClip("camera", "damaged", frames: 20, seed: 18);
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(damaged)!, "damaged.MOV"), "not a video");
        var (unreadable, _) = Invoke(host, FitWithExtra, ("p", damaged), ("extra", Extra()));
        using (unreadable)
        {
            Assert.Empty(unreadable.Streams.Error);
            Assert.Equal(2, unreadable.Streams.Warning.Count);
            Assert.Contains("damaged.MOV", unreadable.Streams.Warning[0].Message);
            Assert.Contains("Samsung S20", unreadable.Streams.Warning[1].Message);
        }
    }

    [Fact]
    public void APartialCameraWarnsOnlyAboutWhatIsStillAssumed()
    {
        // review P1: -ImageWidthPixels/-ImageHeightPixels or -FocalLengthPixels alone used to warn of the whole S20 camera
        string lonely = fixtures.WriteUpstreamStyleClip("partial", "lonely", frames: 20, seed: 19);
        using var host = HostedModule.Import();

        // the size alone implies the 55° field of view: the generator's camera; only the frame rate is assumed
        var (sized, sizedResults) = Invoke(host, FitWithExtra, ("p", lonely), ("extra", Extra(("ImageWidthPixels", 1920), ("ImageHeightPixels", 1080))));
        using (sized)
        {
            string warning = Assert.Single(sized.Streams.Warning).Message;
            Assert.DoesNotContain("S20", warning);
            Assert.Contains("assuming 30 frames/s. Pass -FramesPerSecond to set it.", warning);
            Assert.InRange(Error2dPixels(Assert.Single(sizedResults)), 0, 1);
        }

        var (sizedAndTimed, _) = Invoke(host, FitWithExtra, ("p", lonely),
            ("extra", Extra(("ImageWidthPixels", 1920), ("ImageHeightPixels", 1080), ("FramesPerSecond", 30.0))));
        using (sizedAndTimed)
            Assert.Empty(sizedAndTimed.Streams.Warning);

        // a focal length alone: the image size is still upstream's, and the warning says only that
        var (focal, _) = Invoke(host, FitWithExtra, ("p", lonely), ("extra", Extra(("FocalLengthPixels", GeneratorFocalPixels), ("FramesPerSecond", 30.0))));
        using (focal)
        {
            string warning = Assert.Single(focal.Streams.Warning).Message;
            Assert.Contains("the image size of upstream's Samsung S20 camera (1080x1920)", warning);
            Assert.DoesNotContain("1433.33", warning);
            Assert.EndsWith("Pass -ImageWidthPixels and -ImageHeightPixels to set them.", warning);
        }

        var (width, _) = Invoke(host, FitWithExtra, ("p", lonely), ("extra", Extra(("ImageWidthPixels", 1920), ("FramesPerSecond", 30.0))));
        using (width)
            Assert.Contains("the image height of upstream's Samsung S20 camera (1920 px)", Assert.Single(width.Streams.Warning).Message);
    }

    [FfmpegFact]
    public void KeypointFilesWithoutACameraTakeItFromTheVideoBesideThem()
    {
        string besideVideo = fixtures.WriteUpstreamStyleClip("beside", "withvideo", frames: 20, seed: 17);
        Ffmpeg.WriteTestPattern(Path.Combine(Path.GetDirectoryName(besideVideo)!, "withvideo.Mp4"), 1920, 1080);
        using var host = HostedModule.Import();

        var (fromVideo, fitted) = Invoke(host, FitWithExtra, ("p", besideVideo), ("extra", Extra(("Verbose", true))));
        using (fromVideo)
        {
            Assert.Empty(fromVideo.Streams.Warning);
            Assert.Contains(fromVideo.Streams.Verbose, v => v.Message.Contains("withvideo.Mp4", StringComparison.Ordinal) && v.Message.Contains("1920x1080", StringComparison.Ordinal));
            Assert.InRange(Error2dPixels(Assert.Single(fitted)), 0, 1);
        }
    }

    [Fact]
    public void AFitAndItsMetricsPrintAsSentences()
    {
        string keypoints = fixtures.WriteWalkingClip("strings", "walk", frames: 10, seed: 52).KeypointsPath;
        using var host = HostedModule.Import();
        var texts = host.Run("""
            param($p)
            $fit = Invoke-BiomechFit -LiteralPath $p -MaxIters 2
            "$fit"
            "$($fit.Metrics)"
            """, new Dictionary<string, object?> { ["p"] = keypoints }).Select(o => o.ToString()).ToList();

        Assert.Matches(@"^walk_keypoints\.npz: 10 frames, 3D error [\d.]+ mm, 2D error [\d.]+ px$", texts[0]);
        Assert.Matches(@"^\d+ iterations, 3D error [\d.]+ mm, 2D error [\d.]+ px, [\d.]+ s, (Converged|IterationLimit|NoFurtherProgress)$", texts[1]);
    }

    [Fact]
    public void ImportReportsEachBadFile()
    {
        string folder = Directory.CreateDirectory(Path.Combine(fixtures.Directory, "import", "folder_fitted_model.npz")).FullName;
        string missing = Path.Combine(fixtures.Directory, "import", "missing_fitted_model.npz");
        string keypoints = fixtures.WriteWalkingClip("import", "walk", frames: 5, seed: 18).KeypointsPath;
        using var host = HostedModule.Import();

        var (ps, results) = Invoke(host, "param($p) Import-BiomechFit -LiteralPath $p", ("p", new[] { missing, folder, keypoints, "Env:PATH" }));
        using (ps)
        {
            Assert.Empty(results);
            Assert.Equal(new[]
            {
                ("FittedModelNotFound," + ImportCommand, ErrorCategory.ObjectNotFound, missing),
                ("PathIsDirectory," + ImportCommand, ErrorCategory.InvalidArgument, folder),
                ("NotAFittedModelFile," + ImportCommand, ErrorCategory.InvalidData, keypoints),
                ("NotAFileSystemPath," + ImportCommand, ErrorCategory.InvalidArgument, "Env:PATH"),
            }, Errors(ps));
        }
    }
}
