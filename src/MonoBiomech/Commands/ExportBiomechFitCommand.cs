using System.Management.Automation;
using MonoBiomech.Engine.BodyModels;
using MonoBiomech.Engine.Exports;
using MonoBiomech.Fitting;

namespace MonoBiomech.Commands;

/// <summary>
/// Writes fits to the files other tools open: OpenSim .mot and .trc, CSV, JSON, upstream's npz, a joint-angle PNG.
/// Takes BiomechFitResult objects (or anything with a Fit property, such as Invoke-MonoBiomech's results) from the
/// pipeline; -WhatIf / -Confirm; nothing is overwritten without -Force; each file is written whole or not at all.
/// </summary>
[Cmdlet(VerbsData.Export, "BiomechFit", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FileInfo))]
public sealed class ExportBiomechFitCommand : ModuleCmdletBase
{
    #region Members

    private readonly Dictionary<string, BodyModel> _bodyModels = new(StringComparer.Ordinal);
    private BodyModel? _givenBodyModel;
    private string? _outputDirectory;

    #endregion

    #region Parameters

    /// <summary>The fits to export (Invoke-BiomechFit, Import-BiomechFit, or the Fit of Invoke-MonoBiomech's results).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Fit")]
    [ValidateNotNull]
    public BiomechFitResult[] InputObject { get; set; } = Array.Empty<BiomechFitResult>();

    /// <summary>The formats to write (default: Mot, Trc, Csv).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public FitExportFormat[] Format { get; set; } = { FitExportFormat.Mot, FitExportFormat.Trc, FitExportFormat.Csv };

    /// <summary>Write into this folder (created when missing); default: beside each fit's source.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputDirectory { get; set; }

    /// <summary>The body model the fits were made with, for OpenSim's absolute translations; default: each fit's own model file, else the module's.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(BodyModelCompleter))]
    [ValidateNotNullOrEmpty]
    public string? BodyModel { get; set; }

    /// <summary>The coordinates the Plot format draws (default: hip, knee and ankle flexion of both sides).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(CoordinateNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? PlotCoordinate { get; set; }

    /// <summary>Overwrite existing files.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Emit a FileInfo for every file written.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    #endregion

    #region Methods

    protected override void BeginProcessing()
    {
        _outputDirectory = ResolveOutputDirectory(OutputDirectory);
        if (BodyModel is not null)
            _givenBodyModel = LoadBodyModel(BodyModel);
    }

    protected override void ProcessRecord()
    {
        foreach (BiomechFitResult fit in InputObject)
        {
            BodyModel model = ModelOf(fit);
            foreach (FitExportFormat format in Format.Distinct())
            {
                string path = FitExport.PathFor(format, fit.Source, _outputDirectory);
                if (!ClaimOutputPath(path, fit.Source, Force, $"Write the {format} export of '{fit.Source}'"))
                    continue;
                try
                {
                    if (TryWriteOutput(path, p => FitExport.Write(format, p, fit, model, PlotCoordinate)) && PassThru)
                        WriteObject(new FileInfo(path));
                }
                catch (ArgumentException e) // a plot of coordinates the fit does not have
                {
                    WriteError(new ErrorRecord(e, "NoSuchCoordinate", ErrorCategory.InvalidArgument, PlotCoordinate));
                }
            }
        }
    }

    /// <summary>-BodyModel, else the fit's own model file when it still exists, else the module's default (loaded once each).</summary>
    private BodyModel ModelOf(BiomechFitResult fit)
    {
        if (_givenBodyModel is not null) return _givenBodyModel;
        string? path = fit.BodyModelPath is { } own && File.Exists(own) ? own : null;
        string key = path ?? "";
        if (!_bodyModels.TryGetValue(key, out BodyModel? model))
            _bodyModels[key] = model = LoadBodyModel(path);
        return model;
    }

    #endregion
}
