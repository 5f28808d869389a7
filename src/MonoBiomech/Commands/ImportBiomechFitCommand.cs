using System.Management.Automation;
using MonoBiomech.Engine.Fitting;
using MonoBiomech.Engine.Formats;
using MonoBiomech.Fitting;

namespace MonoBiomech.Commands;

/// <summary>Reads <c>&lt;name&gt;_fitted_model.npz</c> files (ours or upstream's) back as <see cref="BiomechFitResult"/> objects.</summary>
[Cmdlet(VerbsData.Import, "BiomechFit", DefaultParameterSetName = PathParameterSet)]
[OutputType(typeof(BiomechFitResult))]
public sealed class ImportBiomechFitCommand : FileInputCmdletBase
{
    #region Methods

    protected override string NotFoundErrorId => "FittedModelNotFound";

    protected override void ProcessRecord()
    {
        foreach (string path in ResolveInputPaths())
        {
            if (StopToken.IsCancellationRequested)
                return;
            BiomechFitResult? result = Read(path);
            if (result is not null)
                WriteObject(result);
        }
    }

    private BiomechFitResult? Read(string path)
    {
        if (ReportIfDirectory(path, "a fitted-model file"))
            return null;
        try
        {
            return FittedModelNpz.Read(path);
        }
        catch (FileNotFoundException e)
        {
            WriteError(new ErrorRecord(e, NotFoundErrorId, ErrorCategory.ObjectNotFound, path));
        }
        catch (NpyFormatException e)
        {
            WriteError(new ErrorRecord(e, "NotAFittedModelFile", ErrorCategory.InvalidData, path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(e, "FittedModelReadFailed", ErrorCategory.ReadError, path));
        }
        return null;
    }

    #endregion
}
