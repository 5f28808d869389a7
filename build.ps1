<#
.SYNOPSIS
    Builds the MonoBiomech module folder and optionally runs the tests.
.DESCRIPTION
    Lays out an importable module folder (default out/MonoBiomech):
        MonoBiomech.psd1, MonoBiomech.format.ps1xml, MonoBiomech.dll
        Dependencies/  the engine and every managed dependency, plus runtimes/<rid>/native/ libraries
    Uses only the dotnet CLI, .NET calls and the core cmdlets of System.Management.Automation, so it also runs
    inside a hosted PowerShell engine (the module tests do that).
.EXAMPLE
    ./build.ps1 -Test
    Import-Module ./out/MonoBiomech/MonoBiomech.psd1
#>
[CmdletBinding()]
param(
    # Build configuration of the module assemblies.
    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',

    # Also run `dotnet test` on the solution, and the Pester tests in tests/Pester when Invoke-Pester exists.
    [switch] $Test,

    # Where the module folder is written; replaced if it exists.
    [string] $OutputPath = [IO.Path]::Combine($PSScriptRoot, 'out', 'MonoBiomech')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

function Invoke-DotNet {
    param([Parameter(Mandatory)] [string[]] $Arguments)
    $PSCmdlet.WriteVerbose("dotnet $($Arguments -join ' ')")
    & dotnet @Arguments | Out-Host
    if ($LASTEXITCODE -ne 0) {
        throw "dotnet $($Arguments[0]) failed with exit code $LASTEXITCODE."
    }
}

$repositoryRoot = $PSScriptRoot
$moduleDirectory = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutputPath)
$cmdletProject = [IO.Path]::Combine($repositoryRoot, 'src', 'MonoBiomech', 'MonoBiomech.csproj')

# Start from an empty folder so files dropped from the layout do not linger.
if ([IO.Directory]::Exists($moduleDirectory)) {
    [IO.Directory]::Delete($moduleDirectory, $true)
}

Invoke-DotNet -Arguments @('build', $cmdletProject, '-c', $Configuration, '-nologo', '-v', 'q',
    "-p:ModuleOutputPath=$([IO.Path]::TrimEndingDirectorySeparator($moduleDirectory))/")

$manifest = [IO.Path]::Combine($moduleDirectory, 'MonoBiomech.psd1')
if (-not [IO.File]::Exists($manifest)) {
    throw "The build did not produce '$manifest'."
}
$null = Test-ModuleManifest -Path $manifest
$PSCmdlet.WriteVerbose("Module folder: $moduleDirectory")

if ($Test) {
    Invoke-DotNet -Arguments @('test', [IO.Path]::Combine($repositoryRoot, 'MonoBiomech.slnx'), '-c', $Configuration, '-nologo')

    if (Get-Command -Name Invoke-Pester -ErrorAction Ignore) {
        $env:MONOBIOMECH_MODULE = $manifest
        $pester = Invoke-Pester -Path ([IO.Path]::Combine($repositoryRoot, 'tests', 'Pester')) -PassThru -Output Detailed
        if ($pester.FailedCount -gt 0) {
            throw "$($pester.FailedCount) Pester test(s) failed."
        }
    }
    else {
        $PSCmdlet.WriteWarning('Invoke-Pester (Pester 5) is not installed: tests/Pester skipped.')
    }
}
