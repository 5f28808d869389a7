using System.Management.Automation;
using MonoBiomech.Tests;

namespace MonoBiomech.Module.Tests;

public sealed class PersonDetectionCmdletTests(VideoClips clips, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<VideoClips>
{
    private const string ResultType = "MonoBiomech.Detection.PersonDetectionResult";
    private const string CommandType = "MonoBiomech.Commands.InvokePersonDetectionCommand";

    private static Dictionary<string, object?> Args(params (string Name, object? Value)[] pairs) =>
        pairs.ToDictionary(p => p.Name, p => p.Value);

    private static string VideoPathOf(PSObject result) =>
        (string)PSObject.AsPSObject(result.Properties["Video"].Value).Properties["Path"].Value;

    /// <summary>Runs one command and returns the terminating error it must throw.</summary>
    private static ErrorRecord TerminatingError(HostedModule host, Action<PowerShell> build)
    {
        using var ps = host.Create();
        build(ps);
        return Assert.ThrowsAny<RuntimeException>(() => ps.Invoke()).ErrorRecord;
    }

    [SharedDataFact]
    public void FileInfoObjectsFromThePipelineEachGiveOneTypedResult()
    {
        using var host = HostedModule.Import();
        var results = host.Run("param($d) [IO.DirectoryInfo]::new($d).GetFiles('*.mp4') | Invoke-PersonDetection",
            Args(("d", clips.Directory)));

        Assert.Equal(new[] { clips.Second, clips.Short, clips.WithBrackets }.Order(), results.Select(VideoPathOf).Order());
        Assert.All(results, r =>
        {
            Assert.Equal(ResultType, r.BaseObject.GetType().FullName);
            Assert.True((int)r.Properties["FramesDecoded"].Value > 0);
            Assert.True((int)r.Properties["FramesWithSubject"].Value > 0, "the walking clip shows a person");
        });
    }

    [SharedDataFact]
    public void WildcardsInPathExpandAndLiteralPathTakesBracketsAsWritten()
    {
        using var host = HostedModule.Import();
        var expanded = host.Run("param($p) Invoke-PersonDetection -Path $p", Args(("p", Path.Combine(clips.Directory, "w*.mp4"))));
        Assert.Equal(new[] { clips.Short, clips.WithBrackets }.Order(), expanded.Select(VideoPathOf).Order());

        var literal = host.Run("param($p) Invoke-PersonDetection -LiteralPath $p", Args(("p", clips.WithBrackets)));
        Assert.Equal(clips.WithBrackets, VideoPathOf(Assert.Single(literal)));
    }

    [SharedDataFact]
    public void EachBadInputGetsItsOwnErrorAndTheGoodFileStillProducesAResult()
    {
        using var host = HostedModule.Import();
        using var ps = host.Create();
        ps.AddScript("param($paths) Invoke-PersonDetection -LiteralPath $paths")
          .AddParameter("paths", new[] { clips.Missing, clips.Folder, clips.Empty, clips.TextAsVideo, clips.Truncated, clips.Short });
        var results = ps.Invoke();

        Assert.Equal(clips.Short, VideoPathOf(Assert.Single(results)));
        var errors = ps.Streams.Error.Select(e => (e.FullyQualifiedErrorId, e.CategoryInfo.Category, Target: e.TargetObject?.ToString() ?? "")).ToList();
        Assert.Equal(new[]
        {
            ("VideoNotFound," + CommandType, ErrorCategory.ObjectNotFound, clips.Missing),
            ("PathIsDirectory," + CommandType, ErrorCategory.InvalidArgument, clips.Folder),
            ("VideoEmpty," + CommandType, ErrorCategory.InvalidData, clips.Empty),
            ("NotAVideo," + CommandType, ErrorCategory.InvalidData, clips.TextAsVideo),
            ("VideoTruncated," + CommandType, ErrorCategory.InvalidData, clips.Truncated),
        }, errors);
    }

    [SharedDataFact]
    public void APathThatMatchesNothingIsReportedAsNotFound()
    {
        using var host = HostedModule.Import();
        using var ps = host.Create();
        ps.AddCommand("Invoke-PersonDetection").AddParameter("Path", new[] { clips.Missing, Path.Combine(clips.Directory, "nothing*.mp4") });
        Assert.Empty(ps.Invoke());
        Assert.Equal(2, ps.Streams.Error.Count);
        Assert.All(ps.Streams.Error, e => Assert.Equal("VideoNotFound," + CommandType, e.FullyQualifiedErrorId));
    }

    [SharedDataFact]
    public void ProgressReportsFramesPercentAndSpeedThenCompletes()
    {
        using var host = HostedModule.Import();
        using var ps = host.Create();
        ps.AddCommand("Invoke-PersonDetection").AddParameter("LiteralPath", clips.Short).AddParameter("Force");
        Assert.Single(ps.Invoke());

        HostedModule.AssertProgressThenCompleted(ps, @"^\d+/\d+ frames, [\d.]+ frames/s$", "walk.mp4");
    }

    [SharedDataFact]
    public void StopEndsALongDetectionPromptly()
    {
        using var host = HostedModule.Import();
        using var ps = host.Create();
        ps.AddCommand("Invoke-PersonDetection").AddParameter("LiteralPath", clips.Long).AddParameter("Force");

        TimeSpan stopping = HostedModule.StopAfterFirstProgress(ps);
        output.WriteLine($"Stop() returned after {stopping.TotalMilliseconds:F0} ms");
        Assert.True(stopping < TimeSpan.FromSeconds(3), $"Stop took {stopping.TotalMilliseconds:F0} ms");
        Assert.Empty(SessionCacheEntriesFor(host, clips.Long));
    }

    [SharedDataFact]
    public void SecondRunIsACacheHitUntilTheFileOrTheSettingsChange()
    {
        string cached = Path.Combine(clips.Directory, "cache", "cached.mp4");
        Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
        File.Copy(clips.Short, cached);
        using var host = HostedModule.Import();
        object Detect(string extra = "")
        {
            using var ps = host.Create();
            ps.AddScript($"param($p) Invoke-PersonDetection -LiteralPath $p -Verbose {extra}").AddParameter("p", cached);
            var result = Assert.Single(ps.Invoke()).BaseObject;
            Assert.Empty(ps.Streams.Error);
            return result;
        }

        object first = Detect();
        object second = Detect();
        Assert.Same(first, second);
        Assert.Single(SessionCacheEntriesFor(host, cached));

        Assert.NotSame(first, Detect("-Force"));
        object otherSettings = Detect("-ScoreThreshold 0.9");
        Assert.NotSame(first, otherSettings);
        Assert.Equal(2, SessionCacheEntriesFor(host, cached).Count);

        File.SetLastWriteTimeUtc(cached, DateTime.UtcNow.AddMinutes(1));
        object afterTouch = Detect();
        Assert.NotSame(first, afterTouch);
        Assert.Same(afterTouch, Detect());
    }

    [SharedDataFact]
    public void ClearCacheHonoursWhatIfStageAndPath()
    {
        string cached = Path.Combine(clips.Directory, "clear", "clear.mp4");
        Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
        File.Copy(clips.Short, cached);
        using var host = HostedModule.Import();
        host.Run("param($p) $null = Invoke-PersonDetection -LiteralPath $p", Args(("p", cached)));
        string pattern = Path.Combine(Path.GetDirectoryName(cached)!, "*");
        var entry = Assert.Single(SessionCacheEntriesFor(host, cached));
        Assert.Equal("PersonDetection", entry.Properties["Stage"].Value);
        Assert.Contains("detector=Default", (string)entry.Properties["SettingsKey"].Value);
        Assert.True((long)entry.Properties["ApproximateSizeBytes"].Value > 0);

        host.Run("param($p) Clear-MonoBiomechCache -Path $p -WhatIf", Args(("p", pattern)));
        Assert.Single(SessionCacheEntriesFor(host, cached));
        host.Run("param($p) Clear-MonoBiomechCache -Path $p -Stage Pose", Args(("p", pattern)));
        Assert.Single(SessionCacheEntriesFor(host, cached));
        host.Run("param($p) Clear-MonoBiomechCache -Path $p -Stage PersonDetection", Args(("p", pattern)));
        Assert.Empty(SessionCacheEntriesFor(host, cached));
    }

    [SharedDataFact]
    public void PipedCacheEntryOfAVideoNamedWithBracketsClearsItself()
    {
        using var host = HostedModule.Import();
        host.Run("param($p) $null = Invoke-PersonDetection -LiteralPath $p", Args(("p", clips.WithBrackets)));
        Assert.Single(SessionCacheEntriesFor(host, clips.WithBrackets));

        host.Run("param($p) Get-MonoBiomechCache | Where-Object VideoPath -eq $p | Clear-MonoBiomechCache -Confirm:$false", Args(("p", clips.WithBrackets)));

        Assert.Empty(SessionCacheEntriesFor(host, clips.WithBrackets));
    }

    [Fact]
    public void OnnxDetectorWithoutAModelStopsBeforeReadingAnyVideo()
    {
        using var host = HostedModule.Import();
        var noModel = TerminatingError(host, ps => ps.AddCommand("Invoke-PersonDetection")
            .AddParameter("LiteralPath", "/nonexistent.mp4").AddParameter("Detector", "Onnx"));
        Assert.Equal("DetectorModelRequired," + CommandType, noModel.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, noModel.CategoryInfo.Category);

        var missingModel = TerminatingError(host, ps => ps.AddCommand("Invoke-PersonDetection")
            .AddParameter("LiteralPath", "/nonexistent.mp4").AddParameter("ModelPath", "/nonexistent/detector.onnx"));
        Assert.Equal("DetectorModelNotFound," + CommandType, missingModel.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, missingModel.CategoryInfo.Category);
    }

    [Fact]
    public void PathsOutsideTheFileSystemAreReportedPerInputOrStopTheCommandForTheModel()
    {
        using var host = HostedModule.Import();
        using (var ps = host.Create())
        {
            ps.AddCommand("Invoke-PersonDetection").AddParameter("LiteralPath", new[] { "Env:PATH", "NoDrive:/walk.mp4" });
            Assert.Empty(ps.Invoke());
            Assert.Equal(new[] { ("NotAFileSystemPath," + CommandType, "Env:PATH"), ("DriveNotFound," + CommandType, "NoDrive:/walk.mp4") },
                ps.Streams.Error.Select(e => (e.FullyQualifiedErrorId, e.TargetObject?.ToString() ?? "")));
        }
        var model = TerminatingError(host, ps => ps.AddCommand("Invoke-PersonDetection")
            .AddParameter("LiteralPath", "/nonexistent.mp4").AddParameter("ModelPath", "Env:/detector.onnx"));
        Assert.Equal("NotAFileSystemPath," + CommandType, model.FullyQualifiedErrorId);
        Assert.Equal("Env:/detector.onnx", model.TargetObject);
    }

    [SharedDataFact]
    public void AModelThatIsNotADetectorIsReportedAsAnUnknownLayout()
    {
        string model = Path.Combine(clips.Directory, "matmul_add.onnx");
        File.WriteAllBytes(model, MonoBiomech.Engine.Tests.TestSupport.OnnxModelWriter.MatMulAdd());
        using var host = HostedModule.Import();
        var error = TerminatingError(host, ps => ps.AddCommand("Invoke-PersonDetection")
            .AddParameter("LiteralPath", clips.Short).AddParameter("ModelPath", model));
        Assert.Equal("UnknownDetectorLayout," + CommandType, error.FullyQualifiedErrorId);
        Assert.Equal(model, error.TargetObject);
    }

    [Fact]
    public void ParameterChoicesMatchTheContractEnums()
    {
        using var host = HostedModule.Import();
        var pairs = host.Run("""
            $command = Get-Command Invoke-PersonDetection
            foreach ($pair in @(@('Detector', [MonoBiomech.Detection.DetectorKind]), @('SubjectPolicy', [MonoBiomech.Detection.SubjectPolicy]))) {
                $set = $command.Parameters[$pair[0]].Attributes.Where({ $_ -is [System.Management.Automation.ValidateSetAttribute] })[0]
                ($set.ValidValues -join ',') + '=' + ([Enum]::GetNames($pair[1]) -join ',')
            }
            """);
        Assert.Equal(2, pairs.Count);
        Assert.All(pairs, p => { var sides = p.ToString().Split('='); Assert.Equal(sides[1], sides[0]); });
    }

    private static List<PSObject> SessionCacheEntriesFor(HostedModule host, string videoPath) =>
        host.Run("param($p) Get-MonoBiomechCache -Path $p", Args(("p", videoPath))).ToList();
}
