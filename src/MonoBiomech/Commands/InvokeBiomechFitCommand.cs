using System.Management.Automation;
using MonoBiomech.Caching;
using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Engine.Caching;
using MonoBiomech.Engine.Fitting;
using MonoBiomech.Engine.Formats;
using MonoBiomech.Engine.Video;
using MonoBiomech.Fitting;
using MonoBiomech.Pose;
using MonoBiomech.Video;

namespace MonoBiomech.Commands;

/// <summary>
/// Fits the 40-DoF body model to 3D keypoints: PoseSequence objects from the pipeline, upstream <c>&lt;name&gt;_keypoints.npz</c>
/// files, or videos whose keypoints Get-PoseKeypoints put in the session cache. Emits one <see cref="BiomechFitResult"/> per
/// video and, with -OutputDirectory, writes <c>&lt;name&gt;_fitted_model.npz</c>.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "BiomechFit", DefaultParameterSetName = PathParameterSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(BiomechFitResult))]
public sealed class InvokeBiomechFitCommand : FileInputCmdletBase
{
    #region Members

    private const string InputObjectParameterSet = "InputObject";

    /// <summary>The session-cache stage under which Get-PoseKeypoints stores a video's <see cref="PoseSequence"/>.</summary>
    internal const string PoseCacheStage = "Pose";

    internal const string DefaultBodyModelFileName = "monobiomech_body.xml";

    /// <summary>Videos looked for beside a keypoint file to learn the camera it was computed for.</summary>
    private static readonly string[] SiblingVideoExtensions = { ".mp4", ".mov", ".avi", ".mkv", ".MP4", ".MOV", ".AVI", ".MKV" };

    /// <summary>Frame rate assumed for keypoint files without timestamps when neither -FramesPerSecond nor a video says otherwise.</summary>
    private const double AssumedFramesPerSecond = 30;

    private BodyModel? _bodyModel;
    private BiomechFitSettings _settings = new();
    private string? _outputDirectory;
    private readonly List<PlannedFit> _sameSubject = new();
    private readonly HashSet<string> _plannedOutputs = new(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
    private int _activityNumber;

    #endregion

    #region Parameters

    /// <summary>Keypoint sequences, for example from Get-PoseKeypoints.</summary>
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

    /// <summary>Frame rate for keypoint files without timestamps (upstream's); default: the video beside the file, else 30.</summary>
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

        if (OutputDirectory is not null)
        {
            _outputDirectory = SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutputDirectory);
            if (File.Exists(_outputDirectory))
            {
                ThrowTerminatingError(new ErrorRecord(
                    new IOException($"-OutputDirectory '{_outputDirectory}' is a file, not a folder."),
                    "OutputDirectoryIsFile", ErrorCategory.InvalidArgument, _outputDirectory));
            }
        }
        // Loaded once: every input of the command is fitted to the same model.
        _bodyModel = LoadBodyModel();
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectParameterSet)
        {
            foreach (PoseSequence sequence in InputObject.TakeWhile(_ => !StopToken.IsCancellationRequested))
                Plan(sequence);
            return;
        }
        foreach (string path in ResolveInputPaths())
        {
            if (StopToken.IsCancellationRequested)
                return;
            PoseSequence? sequence = LoadKeypoints(path);
            if (sequence is not null)
                Plan(sequence);
        }
    }

    protected override void EndProcessing()
    {
        if (_sameSubject.Count > 0)
            Fit(_sameSubject);
    }

    private BodyModel LoadBodyModel()
    {
        string path = BodyModel is null
            ? System.IO.Path.Combine(Loading.ModuleInitializer.ModuleDirectory, "models", DefaultBodyModelFileName)
            : SessionState.Path.GetUnresolvedProviderPathFromPSPath(BodyModel);
        try
        {
            return Engine.BodyModels.BodyModel.LoadMjcf(path); // qualified: the -BodyModel parameter hides the type name here
        }
        catch (FileNotFoundException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "BodyModelNotFound", ErrorCategory.ObjectNotFound, path));
        }
        catch (BodyModelFormatException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "BodyModelInvalid", ErrorCategory.InvalidData, path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "BodyModelUnreadable", ErrorCategory.ReadError, path));
        }
        throw new InvalidOperationException("unreachable: ThrowTerminatingError throws");
    }

    /// <summary>Checks the output file, asks ShouldProcess, then fits now or, with -SameSubject, at the end.</summary>
    private void Plan(PoseSequence sequence)
    {
        sequence = WithCameraOverrides(sequence);
        string? outputPath = null;
        if (_outputDirectory is not null)
        {
            outputPath = System.IO.Path.Combine(_outputDirectory, KeypointsNpz.BaseName(sequence.Source) + FittedModelNpz.FileSuffix);
            if (!Force && (File.Exists(outputPath) || _plannedOutputs.Contains(outputPath)))
            {
                WriteError(new ErrorRecord(
                    new IOException($"'{outputPath}' already exists; use -Force to overwrite it."),
                    "OutputExists", ErrorCategory.ResourceExists, outputPath));
                return;
            }
            if (!ShouldProcess(outputPath, $"Fit the body model to '{sequence.Source}' and write the fitted model"))
                return;
            _plannedOutputs.Add(outputPath);
        }

        var plan = new PlannedFit(sequence, outputPath);
        if (SameSubject)
            _sameSubject.Add(plan);
        else
            Fit(new[] { plan });
    }

    /// <summary>
    /// Fits one subject (one video, or all of them with -SameSubject) and emits and writes the results. A video the engine
    /// rejects (too few frames or matching keypoints, no confident keypoint) gets a FitFailed error; the subject's other
    /// videos are then fitted without it.
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
                    // The engine checks every video before it solves anything and says which one it rejects.
                    int rejected = remaining.FindIndex(p => p.Sequence.Source == e.VideoSource);
                    object target = rejected >= 0 ? remaining[rejected].Sequence.Source : sequences.Select(s => s.Source).ToArray();
                    WriteError(new ErrorRecord(e, "FitFailed", ErrorCategory.InvalidData, target));
                    if (rejected < 0)
                        return;
                    remaining.RemoveAt(rejected);
                    continue;
                }
                for (int i = 0; i < results.Count; i++)
                {
                    if (remaining[i].OutputPath is string outputPath && !TryWriteFittedModel(outputPath, results[i]))
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

    private bool TryWriteFittedModel(string outputPath, BiomechFitResult result)
    {
        try
        {
            FittedModelNpz.Write(outputPath, result); // temporary file moved into place
            WriteVerbose($"Wrote '{outputPath}'.");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(e, "OutputWriteFailed", ErrorCategory.WriteError, outputPath));
            return false;
        }
    }

    private static ProgressRecord DescribeProgress(int activityId, string activity, FitProgress report) =>
        new(activityId, activity, $"{report.Stage}: iteration {report.Iteration}/{report.MaxIterations}, cost {report.Cost:G4}")
        {
            PercentComplete = report.MaxIterations > 0 ? Math.Clamp(100 * report.Iteration / report.MaxIterations, 0, 100) : -1,
        };

    /// <summary>The keypoints a path names: a keypoint file, or a video whose keypoints are cached. Null after writing an error.</summary>
    private PoseSequence? LoadKeypoints(string path)
    {
        if (ReportIfDirectory(path, "a keypoint file or video"))
            return null;
        if (!File.Exists(path))
        {
            WriteError(new ErrorRecord(
                new FileNotFoundException($"'{path}' does not exist.", path),
                "KeypointsFileNotFound", ErrorCategory.ObjectNotFound, path));
            return null;
        }
        return path.EndsWith(".npz", StringComparison.OrdinalIgnoreCase) ? ReadKeypointsFile(path) : CachedKeypoints(path);
    }

    private PoseSequence? ReadKeypointsFile(string path)
    {
        var bound = MyInvocation.BoundParameters;
        bool cameraGiven = bound.ContainsKey(nameof(FocalLengthPixels)) && bound.ContainsKey(nameof(ImageWidthPixels)) && bound.ContainsKey(nameof(ImageHeightPixels));
        bool framesPerSecondGiven = bound.ContainsKey(nameof(FramesPerSecond));
        VideoInfo? video = cameraGiven && framesPerSecondGiven ? null : ProbeVideoBeside(path);

        // Used only when the file stores no camera (upstream's never do); MeTRAbs assumed a 55° field of view.
        CameraIntrinsics assumedCamera = video is null ? CameraIntrinsics.UpstreamSamsungS20 : CameraIntrinsics.FromFieldOfView(video.WidthPixels, video.HeightPixels);
        double framesPerSecond = framesPerSecondGiven ? FramesPerSecond : video?.FramesPerSecond ?? AssumedFramesPerSecond;
        PoseSequence sequence;
        try
        {
            sequence = KeypointsNpz.Read(path, assumedCamera, framesPerSecond);
        }
        catch (NpyFormatException e)
        {
            WriteError(new ErrorRecord(e, "NotAKeypointsFile", ErrorCategory.InvalidData, path));
            return null;
        }
        catch (FileNotFoundException e)
        {
            WriteError(new ErrorRecord(e, "KeypointsFileNotFound", ErrorCategory.ObjectNotFound, path));
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(e, "KeypointsReadFailed", ErrorCategory.ReadError, path));
            return null;
        }

        bool fileStoresCamera = !ReferenceEquals(sequence.Camera, assumedCamera);
        if (!fileStoresCamera && video is null && !cameraGiven)
        {
            WriteWarning($"'{path}' stores no camera and no video of the same name is beside it: assuming upstream's Samsung S20 camera " +
                         $"(fx = fy = {CameraIntrinsics.UpstreamSamsungS20.FocalLengthXPixels} px, {CameraIntrinsics.UpstreamSamsungS20.ImageWidthPixels}x{CameraIntrinsics.UpstreamSamsungS20.ImageHeightPixels})" +
                         (framesPerSecondGiven ? "" : $" and {AssumedFramesPerSecond} frames/s unless the file stores timestamps") +
                         ". Pass -FocalLengthPixels, -ImageWidthPixels, -ImageHeightPixels and -FramesPerSecond to set them.");
        }
        else if (!fileStoresCamera && video is not null)
        {
            WriteVerbose($"'{path}': camera from '{video.Path}' ({video.WidthPixels}x{video.HeightPixels}, 55° field of view, {video.FramesPerSecond:G4} frames/s).");
        }
        return sequence;
    }

    /// <summary>The video of the same base name beside a keypoint file, or null (with a warning when one exists but cannot be read).</summary>
    private VideoInfo? ProbeVideoBeside(string keypointsPath)
    {
        string directory = System.IO.Path.GetDirectoryName(keypointsPath) ?? ".";
        string baseName = KeypointsNpz.BaseName(keypointsPath);
        foreach (string extension in SiblingVideoExtensions)
        {
            string candidate = System.IO.Path.Combine(directory, baseName + extension);
            if (!File.Exists(candidate))
                continue;
            try
            {
                using VideoReader reader = VideoReader.Open(candidate);
                return reader.Info;
            }
            catch (VideoReadException e)
            {
                WriteWarning($"The video '{candidate}' beside '{keypointsPath}' cannot be read, so its camera is unknown: {e.Message}");
            }
        }
        return null;
    }

    /// <summary>The newest cached keypoints of the video as it is now, or null after a KeypointsNotInCache error.</summary>
    private PoseSequence? CachedKeypoints(string videoPath)
    {
        VideoFileIdentity identity;
        try
        {
            identity = VideoFileIdentity.Of(videoPath);
        }
        catch (FileNotFoundException e)
        {
            WriteError(new ErrorRecord(e, "KeypointsFileNotFound", ErrorCategory.ObjectNotFound, videoPath));
            return null;
        }
        SessionCacheEntry? entry = SessionCache.Shared.Entries()
            .LastOrDefault(e => e.Stage == PoseCacheStage && e.Key.Video == identity && e.Value is PoseSequence);
        if (entry is not null)
        {
            WriteVerbose($"Using the cached keypoints of '{videoPath}' ({entry.SettingsKey}).");
            return (PoseSequence)entry.Value;
        }
        WriteError(new ErrorRecord(
            new InvalidOperationException($"The keypoints of '{videoPath}' are not in the session cache. Run Get-PoseKeypoints on the video first, or pass its <name>{KeypointsNpz.FileSuffix} file."),
            "KeypointsNotInCache", ErrorCategory.ObjectNotFound, videoPath));
        return null;
    }

    /// <summary>The sequence with -FocalLengthPixels / -ImageWidthPixels / -ImageHeightPixels applied to its camera.</summary>
    private PoseSequence WithCameraOverrides(PoseSequence sequence)
    {
        var bound = MyInvocation.BoundParameters;
        bool focalGiven = bound.ContainsKey(nameof(FocalLengthPixels));
        bool sizeGiven = bound.ContainsKey(nameof(ImageWidthPixels)) || bound.ContainsKey(nameof(ImageHeightPixels));
        if (!focalGiven && !sizeGiven)
            return sequence;

        CameraIntrinsics current = sequence.Camera;
        int width = bound.ContainsKey(nameof(ImageWidthPixels)) ? ImageWidthPixels : current.ImageWidthPixels;
        int height = bound.ContainsKey(nameof(ImageHeightPixels)) ? ImageHeightPixels : current.ImageHeightPixels;
        double focal = focalGiven ? FocalLengthPixels
            : sizeGiven ? CameraIntrinsics.FromFieldOfView(width, height).FocalLengthXPixels
            : current.FocalLengthXPixels;
        var camera = new CameraIntrinsics(focal, focal, (width - 1) / 2.0, (height - 1) / 2.0, width, height);
        return new PoseSequence(sequence.Source, sequence.JointNames, sequence.TimestampsSeconds, sequence.Keypoints3dMillimetres,
            sequence.Keypoints2dPixels, sequence.Confidences, camera);
    }


    #endregion

    /// <summary>An input ready to fit and where its fitted model goes (null: not written).</summary>
    private sealed record PlannedFit(PoseSequence Sequence, string? OutputPath);
}
