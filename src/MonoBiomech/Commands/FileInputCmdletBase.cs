using System.Management.Automation;

namespace MonoBiomech.Commands;

/// <summary>
/// The cmdlets that take files: -Path (wildcards) / -LiteralPath (FileInfo binds through FullName/PSPath), resolved by
/// the module's one resolver with one non-terminating error per input that names nothing (the cmdlet's
/// <see cref="NotFoundErrorId"/>), is no file-system path (NotAFileSystemPath) or is on a missing drive (DriveNotFound).
/// </summary>
public abstract class FileInputCmdletBase : ModuleCmdletBase
{
    #region Members

    protected const string PathParameterSet = "Path";
    protected const string LiteralPathParameterSet = "LiteralPath";

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

    /// <summary>
    /// File-system paths of -Path / -LiteralPath; one non-terminating error per input that names nothing (the cmdlet's
    /// <see cref="NotFoundErrorId"/>), is no file-system path (NotAFileSystemPath) or is on a missing drive (DriveNotFound).
    /// Literal paths are not checked for existence: each cmdlet reports missing files and directories with its own ErrorIds.
    /// </summary>
    protected IEnumerable<string> ResolveInputPaths()
    {
        bool literal = ParameterSetName == LiteralPathParameterSet;
        foreach (string input in literal ? LiteralPath : Path)
        {
            IReadOnlyList<string>? resolved = ResolveFileSystemPaths(input, literal, NotFoundErrorId, out ErrorRecord? error);
            if (error is not null)
            {
                WriteError(error);
                continue;
            }
            foreach (string path in resolved!)
                yield return path;
        }
    }

    #endregion
}
