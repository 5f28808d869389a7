using System.Collections.Concurrent;
using System.Diagnostics;
using System.Management.Automation;
using Microsoft.PowerShell.Commands;
using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Engine.Pose;
using MonoBiomech.Engine.Video;
using MonoBiomech.Pose;

namespace MonoBiomech.Commands;

/// <summary>
/// What every cmdlet of the module shares: the one resolver of path parameters to file-system paths (relative to the
/// current location, never the process directory; a stop for a bad whole-command path), output claiming and writing
/// (no overwrite without -Force, no two inputs to one file, ShouldProcess), loading the body model and checking the pose
/// model, a cancellation token that Ctrl+C (StopProcessing) cancels, and running an engine call on a worker while
/// relaying its progress from the pipeline thread.
/// </summary>
public abstract class ModuleCmdletBase : PSCmdlet, IDisposable
{
    #region Members

    private readonly CancellationTokenSource _cancellation = new();

    /// <summary>Output file -> the input that writes it, to refuse a second input with the same output.</summary>
    private readonly Dictionary<string, string> _claimedOutputs = new(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);

    #endregion


    #region Methods

    /// <summary>Cancelled when the user presses Ctrl+C (or the host stops the pipeline).</summary>
    protected CancellationToken StopToken => _cancellation.Token;

    protected override void StopProcessing()
    {
        try { _cancellation.Cancel(); }
        catch (ObjectDisposedException) { } // the command already finished
    }

    public void Dispose()
    {
        _cancellation.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// The file-system path a whole-command parameter (-OutputDirectory, -BodyModel, -ModelPath) names, taken literally and
    /// relative to the current location; the item need not exist. Stops the command (NotAFileSystemPath, DriveNotFound)
    /// when it is no file-system path, so nothing is ever read or written elsewhere.
    /// </summary>
    protected string ResolveParameterPath(string path)
    {
        IReadOnlyList<string>? resolved = ResolveFileSystemPaths(path, literal: true, "PathNotFound", out ErrorRecord? error);
        if (error is not null)
            throw Terminate(error);
        return resolved![0];
    }

    /// <summary>
    /// The folder an -OutputDirectory parameter names (created when the first file is written), or null when not given;
    /// stops the command when it names a file.
    /// </summary>
    protected string? ResolveOutputDirectory(string? outputDirectory)
    {
        if (outputDirectory is null)
            return null;
        string resolved = ResolveParameterPath(outputDirectory);
        if (File.Exists(resolved))
        {
            throw Terminate(new ErrorRecord(
                new IOException($"-OutputDirectory '{resolved}' is a file, not a folder."),
                "OutputDirectoryIsFile", ErrorCategory.InvalidArgument, resolved));
        }
        return resolved;
    }

    /// <summary>
    /// True when <paramref name="source"/> may write <paramref name="outputPath"/>: no other input of this command writes it
    /// (DuplicateOutputPath, even with -Force: the second would silently replace the first), it does not exist or
    /// <paramref name="force"/> is set (OutputExists), and ShouldProcess agrees. Each refusal is one error for the input.
    /// </summary>
    protected bool ClaimOutputPath(string outputPath, string source, bool force, string action)
    {
        if (_claimedOutputs.TryGetValue(outputPath, out string? firstSource))
        {
            WriteError(new ErrorRecord(
                new IOException($"'{source}' would be written to '{outputPath}', as '{firstSource}' already is in this command; " +
                                "use different -OutputDirectory folders."),
                "DuplicateOutputPath", ErrorCategory.InvalidOperation, source));
            return false;
        }
        if (!force && File.Exists(outputPath))
        {
            WriteError(new ErrorRecord(
                new IOException($"'{outputPath}' already exists; use -Force to overwrite it."),
                "OutputExists", ErrorCategory.ResourceExists, outputPath));
            return false;
        }
        if (!ShouldProcess(outputPath, action))
            return false;
        _claimedOutputs.Add(outputPath, source);
        return true;
    }

    /// <summary>
    /// Writes a claimed output with <paramref name="write"/> (the writers go through a temporary file moved into place, so
    /// a failure leaves no half-written file); an OutputWriteFailed error and false when it fails.
    /// </summary>
    protected bool TryWriteOutput(string outputPath, Action<string> write)
    {
        try
        {
            write(outputPath);
            WriteVerbose($"Wrote '{outputPath}'.");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(e, "OutputWriteFailed", ErrorCategory.WriteError, outputPath));
            return false;
        }
    }

    /// <summary>A progress record of a stage that streams a video: "[phase: ]done/count frames, speed", percent and time left.</summary>
    /// <param name="frameCount">Frames the container announces; 0 when unknown (no percentage then).</param>
    protected static ProgressRecord FramesProgress(int activityId, string activity, string? phase, int framesDone, int frameCount, double framesPerSecond)
    {
        string frames = frameCount > 0 ? $"{framesDone}/{frameCount}" : framesDone.ToString();
        var record = new ProgressRecord(activityId, activity, $"{(phase is null ? "" : phase + ": ")}{frames} frames, {framesPerSecond:F1} frames/s");
        if (frameCount > 0)
        {
            record.PercentComplete = Math.Clamp(100 * framesDone / frameCount, 0, 100);
            if (framesPerSecond > 0)
                record.SecondsRemaining = (int)Math.Ceiling(Math.Max(0, frameCount - framesDone) / framesPerSecond);
        }
        return record;
    }

    /// <summary>
    /// The body model a -BodyModel parameter names (default: the module's models/monobiomech_body.xml), loaded once per
    /// command; stops the command when it is missing (BodyModelNotFound), invalid (BodyModelInvalid) or unreadable.
    /// </summary>
    protected BodyModel LoadBodyModel(string? bodyModelParameter)
    {
        string path = bodyModelParameter is null
            ? System.IO.Path.Combine(Loading.ModuleInitializer.ModuleDirectory, "models", "monobiomech_body.xml")
            : ResolveParameterPath(bodyModelParameter);
        try
        {
            return BodyModel.LoadMjcf(path);
        }
        catch (FileNotFoundException e)
        {
            throw Terminate(new ErrorRecord(e, "BodyModelNotFound", ErrorCategory.ObjectNotFound, path));
        }
        catch (BodyModelFormatException e)
        {
            throw Terminate(new ErrorRecord(e, "BodyModelInvalid", ErrorCategory.InvalidData, path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Terminate(new ErrorRecord(e, "BodyModelUnreadable", ErrorCategory.ReadError, path));
        }
    }

    /// <summary>Stops the command with <paramref name="error"/>; call it as <c>throw Terminate(error)</c> so the compiler sees the stop.</summary>
    protected Exception Terminate(ErrorRecord error)
    {
        ThrowTerminatingError(error);
        return new UnreachableException("ThrowTerminatingError returned.");
    }

    /// <summary>
    /// The one path resolver of the module: file-system provider paths for a path (wildcards expanded unless
    /// <paramref name="literal"/>), or null and the error to report.
    /// </summary>
    private protected IReadOnlyList<string>? ResolveFileSystemPaths(string path, bool literal, string notFoundErrorId, out ErrorRecord? error)
    {
        error = null;
        List<string> resolved;
        ProviderInfo provider;
        try
        {
            if (literal)
                resolved = [SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _)];
            else
                resolved = GetResolvedProviderPathFromPSPath(path, out provider).ToList();
        }
        catch (System.Management.Automation.DriveNotFoundException e)
        {
            error = new ErrorRecord(e, "DriveNotFound", ErrorCategory.ObjectNotFound, path);
            return null;
        }
        catch (ProviderNotFoundException)
        {
            error = NotAFileSystemPath(path, "no provider of that name exists");
            return null;
        }
        catch (ItemNotFoundException e)
        {
            error = new ErrorRecord(e, notFoundErrorId, ErrorCategory.ObjectNotFound, path);
            return null;
        }
        if (provider.ImplementingType != typeof(FileSystemProvider))
        {
            error = NotAFileSystemPath(path, $"it names an item of the {provider.Name} provider");
            return null;
        }
        if (resolved.Count == 0)
        {
            error = new ErrorRecord(new FileNotFoundException($"No file matches '{path}'.", path), notFoundErrorId, ErrorCategory.ObjectNotFound, path);
            return null;
        }
        return resolved;
    }

    private static ErrorRecord NotAFileSystemPath(string path, string why) => new(
        new ArgumentException($"'{path}' is not a file system path: {why}."), "NotAFileSystemPath", ErrorCategory.InvalidArgument, path);

    /// <summary>The error of a video that cannot be read, with an ErrorId and category for each reason.</summary>
    protected static ErrorRecord VideoReadError(VideoReadException e, string videoPath)
    {
        (string id, ErrorCategory category) = e.Reason switch
        {
            VideoReadFailure.NotFound => ("VideoNotFound", ErrorCategory.ObjectNotFound),
            VideoReadFailure.IsDirectory => ("PathIsDirectory", ErrorCategory.InvalidArgument),
            VideoReadFailure.Empty => ("VideoEmpty", ErrorCategory.InvalidData),
            VideoReadFailure.NotAVideo => ("NotAVideo", ErrorCategory.InvalidData),
            VideoReadFailure.TruncatedOrCorrupt => ("VideoTruncated", ErrorCategory.InvalidData),
            VideoReadFailure.DecoderStopped => ("VideoDecoderStopped", ErrorCategory.OperationStopped),
            _ => ("VideoUnreadable", ErrorCategory.ReadError),
        };
        return new ErrorRecord(e, id, category, videoPath);
    }

    /// <summary>Writes a PathIsDirectory error and returns true when <paramref name="path"/> is a folder.</summary>
    /// <param name="expected">What the path should have named, for the message ("a keypoint file or video").</param>
    protected bool ReportIfDirectory(string path, string expected)
    {
        if (!Directory.Exists(path))
            return false;
        WriteError(new ErrorRecord(
            new IOException($"'{path}' is a directory, not {expected}."),
            "PathIsDirectory", ErrorCategory.InvalidArgument, path));
        return true;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a worker thread and writes its progress here: WriteProgress may only be called from
    /// the pipeline thread, while the engine reports from its own. Throws <see cref="OperationCanceledException"/> on Ctrl+C.
    /// </summary>
    protected TResult RunWithProgress<TReport, TResult>(Func<IProgress<TReport>, CancellationToken, TResult> work, Func<TReport, ProgressRecord> describe)
    {
        CancellationToken token = StopToken;
        // not disposed: the engine thread may still report while a cancelled run winds down
        var reports = new BlockingCollection<TReport>(boundedCapacity: 64);
        var progress = new QueueingProgress<TReport>(reports);
        Task<TResult> task = Task.Run(() => work(progress, token), token);
        task.ContinueWith(_ => reports.CompleteAdding(), TaskScheduler.Default);

        try
        {
            foreach (TReport report in reports.GetConsumingEnumerable(token))
                WriteProgress(describe(report));
        }
        catch (OperationCanceledException)
        {
            // Give the engine a moment to notice the token so no native or parallel work outlives the pipeline.
            try { task.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
            throw;
        }
        return task.GetAwaiter().GetResult();
    }

    #endregion

    /// <summary>Queues reports for the pipeline thread; drops one when the queue is full rather than block the engine.</summary>
    private sealed class QueueingProgress<TReport>(BlockingCollection<TReport> queue) : IProgress<TReport>
    {
        public void Report(TReport value)
        {
            try { queue.TryAdd(value); }
            catch (InvalidOperationException) { } // completed: the run is over
        }
    }
}
