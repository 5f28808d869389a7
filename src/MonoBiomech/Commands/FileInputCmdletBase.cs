using System.Collections.Concurrent;
using System.Management.Automation;

namespace MonoBiomech.Commands;

/// <summary>
/// What the file-processing cmdlets share: -Path (wildcards) / -LiteralPath (FileInfo binds through FullName/PSPath),
/// resolution to provider paths with one error per pattern that names nothing, a cancellation token that Ctrl+C
/// (StopProcessing) cancels, and running an engine call on a worker while relaying its progress from the pipeline thread.
/// </summary>
public abstract class FileInputCmdletBase : PSCmdlet, IDisposable
{
    #region Members

    protected const string PathParameterSet = "Path";
    protected const string LiteralPathParameterSet = "LiteralPath";

    private readonly CancellationTokenSource _cancellation = new();

    #endregion

    #region Parameters

    /// <summary>Files to process; wildcards are expanded.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathParameterSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Files taken exactly as written (no wildcards); FileInfo objects bind here through FullName.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathParameterSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    #endregion

    #region Methods

    /// <summary>The ErrorId for a -Path pattern that matches no file, for example VideoNotFound.</summary>
    protected abstract string NotFoundErrorId { get; }

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
    /// Provider paths of -Path / -LiteralPath; one error per pattern that names nothing. Literal paths are not checked:
    /// each cmdlet reports missing files and directories with its own ErrorIds.
    /// </summary>
    protected IEnumerable<string> ResolveInputPaths()
    {
        if (ParameterSetName == LiteralPathParameterSet)
        {
            foreach (string literal in LiteralPath)
                yield return SessionState.Path.GetUnresolvedProviderPathFromPSPath(literal);
            yield break;
        }

        foreach (string pattern in Path)
        {
            List<string> resolved;
            try
            {
                resolved = GetResolvedProviderPathFromPSPath(pattern, out ProviderInfo provider).ToList();
                if (!string.Equals(provider.Name, "FileSystem", StringComparison.Ordinal))
                {
                    WriteError(new ErrorRecord(
                        new ArgumentException($"'{pattern}' is not a file system path."),
                        "NotAFileSystemPath", ErrorCategory.InvalidArgument, pattern));
                    continue;
                }
            }
            catch (ItemNotFoundException e)
            {
                WriteError(new ErrorRecord(e, NotFoundErrorId, ErrorCategory.ObjectNotFound, pattern));
                continue;
            }
            if (resolved.Count == 0)
            {
                WriteError(new ErrorRecord(
                    new FileNotFoundException($"No file matches '{pattern}'.", pattern),
                    NotFoundErrorId, ErrorCategory.ObjectNotFound, pattern));
            }
            foreach (string path in resolved)
                yield return path;
        }
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
