using System.Management.Automation;
using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Engine.Caching;
using MonoBiomech.Engine.Fitting;
using MonoBiomech.Engine.Formats;
using MonoBiomech.Fitting;
using MonoBiomech.Pose;

namespace MonoBiomech.Commands;

/// <summary>
/// Fits the 40-DoF body model to 3D keypoints: PoseSequence objects from the pipeline, upstream <c>&lt;name&gt;_keypoints.npz</c>
/// files, or videos whose keypoints are in the session cache. Emits one <see cref="BiomechFitResult"/> per video and, with
/// -OutputDirectory, writes <c>&lt;name&gt;_fitted_model.npz</c>. Where the camera and frame rate come from is the engine's
/// <see cref="KeypointSource"/> policy; this cmdlet passes the parameters on and reports its warnings.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "BiomechFit", DefaultParameterSetName = PathParameterSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(BiomechFitResult))]
public sealed class InvokeBiomechFitCommand : FileInputCmdletBase
{
    #region Members

    private const string InputObjectParameterSet = "InputObject";

    private BodyModel? _bodyModel;
    private BiomechFitSettings _settings = new();
    private CameraOverride _camera = CameraOverride.None;
    private double? _framesPerSecond;
    private string? _outputDirectory;
    private readonly List<PlannedFit> _sameSubject = new();
    private int _activityNumber;

    #endregion

    #region Parameters

    /// <summary>Keypoint sequences, for example built by a script with <c>[MonoBiomech.Pose.PoseSequence]::new(...)</c>.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = InputObjectParameterSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public PoseSequence[] InputObject { get; set; } = Array.Empty<PoseSequence>();

    /// <summary>
    /// Focal length in pixels (fx = fy) of the camera the keypoints refer to. Keypoint files from upstream store no camera:
    /// by default a video of the same name beside <c>&lt;name&gt;_keypoints.npz</c> (.mp4, .mov, .avi, .mkv) gives the image
    /// size and MeTRAbs' assumed 55° field of view (how upstream computed the keypoints); without such a video, upstream's
    /// hard-coded Samsung S20 camera (fx = fy = 1433.33 px, 1080x1920) is used, with a warning. Overrides a camera the input stores.
    /// </summary>
    [Parameter]
    [ValidateRange(1.0, 1e6)]
    public double FocalLengthPixels { get; set; }

    /// <summary>Image width in pixels; the principal point is put at the image centre. Without -FocalLengthPixels, the focal length follows from a 55° field of view.</summary>
    [Parameter]
    [ValidateRange(1, 100_000)]
    public int ImageWidthPixels { get; set; }

    /// <summary>Image height in pixels; see -ImageWidthPixels.</summary>
    [Parameter]
    [ValidateRange(1, 100_000)]
    public int ImageHeightPixels { get; set; }

    /// <summary>Frame rate for keypoint files without timestamps (upstream's); default: the video beside the file, else 30 (with a warning).</summary>
    [Parameter]
    [ValidateRange(0.1, 10_000.0)]
    public double FramesPerSecond { get; set; }

    /// <summary>Cap on Levenberg-Marquardt iterations of the final solve (default 100).</summary>
    [Parameter]
    [Alias("MaxIterations")]
    [ValidateRange(1, 100_000)]
    public int MaxIters { get; set; }

    /// <summary>Stop when an accepted step lowers the cost by less than this fraction (default 1e-6).</summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double Tolerance { get; set; }

    /// <summary>The body model (MJCF file); default: the module's models/monobiomech_body.xml.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(BodyModelCompleter))]
    [ValidateNotNullOrEmpty]
    public string? BodyModel { get; set; }

    /// <summary>All inputs show one subject: fit them together at the end with one set of body scales and site offsets.</summary>
    [Parameter]
    public SwitchParameter SameSubject { get; set; }

    /// <summary>Write each fit to &lt;name&gt;_fitted_model.npz in this folder (created when missing).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputDirectory { get; set; }

    /// <summary>Overwrite existing fitted-model files in -OutputDirectory.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Threads used over frames; 0 uses one per logical processor.</summary>
    [Parameter]
    [ValidateRange(0, 1024)]
    public int ThreadCount { get; set; }

    #endregion

    #region Methods

    protected override string NotFoundErrorId => "KeypointsFileNotFound";

    protected override void BeginProcessing()
    {
        var bound = MyInvocation.BoundParameters;
        _settings = new BiomechFitSettings { MaxDegreeOfParallelism = ThreadCount };
        if (bound.ContainsKey(nameof(MaxIters)))
            _settings = _settings with { MaxIterations = MaxIters };
        if (bound.ContainsKey(nameof(Tolerance)))
            _settings = _settings with { RelativeCostTolerance = Tolerance };
        _camera = new CameraOverride(
            bound.ContainsKey(nameof(FocalLengthPixels)) ? FocalLengthPixels : null,
            bound.ContainsKey(nameof(ImageWidthPixels)) ? ImageWidthPixels : null,
            bound.ContainsKey(nameof(ImageHeightPixels)) ? ImageHeightPixels : null);
        _framesPerSecond = bound.ContainsKey(nameof(FramesPerSecond)) ? FramesPerSecond : null;

        _outputDirectory = ResolveOutputDirectory(OutputDirectory);
        // Loaded once: every input of the command is fitted to the same model.
        _bodyModel = LoadBodyModel(BodyModel);
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectParameterSet)
        {
            foreach (PoseSequence sequence in InputObject.TakeWhile(_ => !StopToken.IsCancellationRequested))
                Plan(Report(KeypointSource.FromSequence(sequence, _camera)));
            return;
        }
        foreach (string path in ResolveInputPaths())
        {
            if (StopToken.IsCancellationRequested)
                return;
            if (Resolve(path) is ResolvedKeypoints keypoints)
                Plan(Report(keypoints));
        }
    }

    protected override void EndProcessing()
    {
        if (_sameSubject.Count > 0)
            Fit(_sameSubject);
    }

    /// <summary>The keypoints a path names (a keypoint file, or a video whose keypoints are cached); null after writing an error.</summary>
    private ResolvedKeypoints? Resolve(string path)
    {
        if (ReportIfDirectory(path, "a keypoint file or video"))
            return null;
        string notFoundId = KeypointSource.IsKeypointFile(path) ? "KeypointsFileNotFound" : "VideoNotFound";
        if (!File.Exists(path))
        {
            WriteError(new ErrorRecord(new FileNotFoundException($"'{path}' does not exist.", path), notFoundId, ErrorCategory.ObjectNotFound, path));
            return null;
        }
        try
        {
            return KeypointSource.Resolve(path, _camera, _framesPerSecond, SessionCache.Shared);
        }
        catch (NpyFormatException e)
        {
            WriteError(new ErrorRecord(e, "NotAKeypointsFile", ErrorCategory.InvalidData, path));
        }
        catch (KeypointsNotCachedException e)
        {
            WriteError(new ErrorRecord(e, "KeypointsNotInCache", ErrorCategory.ObjectNotFound, path));
        }
        catch (FileNotFoundException e)
        {
            WriteError(new ErrorRecord(e, notFoundId, ErrorCategory.ObjectNotFound, path)); // removed since the check
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(e, "KeypointsReadFailed", ErrorCategory.ReadError, path));
        }
        return null;
    }

    /// <summary>Writes the engine's warnings (with the parameters that set what it assumed) and where the camera came from.</summary>
    private PoseSequence Report(ResolvedKeypoints keypoints)
    {
        foreach (KeypointSourceWarning warning in keypoints.Warnings)
        {
            WriteWarning(warning.Kind == KeypointSourceWarningKind.UpstreamDefaultsAssumed
                ? warning.Message + " " + ParametersThatSet(keypoints.Provenance)
                : warning.Message);
        }
        WriteVerbose($"'{keypoints.Sequence.Source}': {keypoints.Describe()}");
        return keypoints.Sequence;
    }

    /// <summary>"Pass -ImageHeightPixels and -FramesPerSecond to set them." for the values taken from upstream's defaults.</summary>
    private static string ParametersThatSet(KeypointProvenance provenance)
    {
        var parameters = new List<string>();
        if (provenance.FocalLength == KeypointValueOrigin.UpstreamDefault)
            parameters.Add("-" + nameof(FocalLengthPixels));
        if (provenance.ImageWidth == KeypointValueOrigin.UpstreamDefault)
            parameters.Add("-" + nameof(ImageWidthPixels));
        if (provenance.ImageHeight == KeypointValueOrigin.UpstreamDefault)
            parameters.Add("-" + nameof(ImageHeightPixels));
        if (provenance.FrameTiming == KeypointValueOrigin.UpstreamDefault)
            parameters.Add("-" + nameof(FramesPerSecond));
        string list = parameters.Count == 1 ? parameters[0] : string.Join(", ", parameters.SkipLast(1)) + " and " + parameters[^1];
        return $"Pass {list} to set {(parameters.Count == 1 ? "it" : "them")}.";
    }

    /// <summary>Checks the output file, asks ShouldProcess, then fits now or, with -SameSubject, at the end.</summary>
    private void Plan(PoseSequence sequence)
    {
        string? outputPath = null;
        if (_outputDirectory is not null)
        {
            outputPath = System.IO.Path.Combine(_outputDirectory, KeypointsNpz.BaseName(sequence.Source) + FittedModelNpz.FileSuffix);
            if (!ClaimOutputPath(outputPath, sequence.Source, Force, $"Fit the body model to '{sequence.Source}' and write the fitted model"))
                return;
        }

        var plan = new PlannedFit(sequence, outputPath);
        if (SameSubject)
            _sameSubject.Add(plan);
        else
            Fit(new[] { plan });
    }

    /// <summary>
    /// Fits one subject (one video, or all of them with -SameSubject) and emits and writes the results. A video the engine
    /// rejects (<see cref="FitInputException"/>: too few frames or matching keypoints, no confident keypoint, no pelvis) gets a
    /// FitFailed error; the subject's other videos are then fitted without it.
    /// </summary>
    private void Fit(IReadOnlyList<PlannedFit> plans)
    {
        var remaining = plans.ToList();
        int activityId = ++_activityNumber;
        string activity = plans.Count == 1
            ? $"Biomechanical fit: {System.IO.Path.GetFileName(plans[0].Sequence.Source)}"
            : $"Biomechanical fit: {plans.Count} videos of one subject";
        try
        {
            while (remaining.Count > 0)
            {
                PoseSequence[] sequences = remaining.Select(p => p.Sequence).ToArray();
                IReadOnlyList<BiomechFitResult> results;
                try
                {
                    results = RunWithProgress<FitProgress, IReadOnlyList<BiomechFitResult>>(
                        (progress, token) => BiomechFitter.Fit(_bodyModel!, sequences, _settings, progress, token),
                        report => DescribeProgress(activityId, activity, report));
                }
                catch (FitInputException e)
                {
                    // The engine checks every video before it solves anything and names the one it rejects.
                    WriteError(new ErrorRecord(e, "FitFailed", ErrorCategory.InvalidData, e.InputSource));
                    int rejected = remaining.FindIndex(p => p.Sequence.Source == e.InputSource);
                    if (rejected < 0)
                        return; // not one of ours: never retry without removing an input
                    remaining.RemoveAt(rejected);
                    continue;
                }
                for (int i = 0; i < results.Count; i++)
                {
                    if (remaining[i].OutputPath is string outputPath && !TryWriteOutput(outputPath, path => FittedModelNpz.Write(path, results[i])))
                        continue;
                    WriteObject(results[i]);
                }
                return;
            }
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            // Ctrl+C: PowerShell stops the pipeline after StopProcessing; nothing is written for these videos.
        }
        finally
        {
            WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    private static ProgressRecord DescribeProgress(int activityId, string activity, FitProgress report) =>
        new(activityId, activity, $"{report.Stage}: iteration {report.Iteration}/{report.MaxIterations}, cost {report.Cost:G4}")
        {
            PercentComplete = report.MaxIterations > 0 ? Math.Clamp(100 * report.Iteration / report.MaxIterations, 0, 100) : -1,
        };

    #endregion

    /// <summary>An input ready to fit and where its fitted model goes (null: not written).</summary>
    private sealed record PlannedFit(PoseSequence Sequence, string? OutputPath);
}
