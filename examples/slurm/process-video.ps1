#Requires -Version 7.4
# What one SLURM array task runs (see monobiomech-array.sbatch): one video through Invoke-MonoBiomech.
param(
    [Parameter(Mandatory)] [string] $Module,
    [Parameter(Mandatory)] [string] $Video,
    [Parameter(Mandatory)] [string] $OutputDirectory,
    [int] $MaxIters = 3000,
    [ValidateSet('Lite', 'Full', 'Heavy')] [string] $ModelComplexity = 'Full'
)
$ErrorActionPreference = 'Stop'
Import-Module -Name $Module
$result = Invoke-MonoBiomech -LiteralPath $Video -OutputDirectory $OutputDirectory -SkipExisting -MaxIters $MaxIters -ModelComplexity $ModelComplexity
if ($result) { "$result" } else { "Skipped (already done): $Video" }
