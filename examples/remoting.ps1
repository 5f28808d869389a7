#Requires -Version 7.4
<#
.SYNOPSIS
    Spreads a folder of videos over several machines with PowerShell remoting; each machine runs Invoke-MonoBiomech
    on its share. Every machine needs pwsh 7.4+ with the module on its PSModulePath (or at -ModulePath), and all of
    them must see the videos and the output folder under the same paths (a network share).
.EXAMPLE
    ./examples/remoting.ps1 -ComputerName lab-01, lab-02, lab-03 -Video (Get-ChildItem //share/session/*.mp4) -OutputDirectory //share/results
.NOTES
    Videos are dealt out round-robin, one list per machine, and all machines work at once (one remote job each); on each
    machine -ThrottleLimit videos run side by side with ForEach-Object -Parallel (the module is thread-safe). Re-running
    is safe: -SkipExisting skips finished videos. Uses SSH remoting (-HostName) when -UseSsh is given, else WinRM.
#>
param(
    [Parameter(Mandatory)] [string[]] $ComputerName,
    [Parameter(Mandatory)] [System.IO.FileInfo[]] $Video,
    [Parameter(Mandatory)] [string] $OutputDirectory,
    [string] $ModulePath = 'MonoBiomech',
    [int] $MaxIters = 3000,
    [int] $ThrottleLimit = 1,
    [switch] $UseSsh
)
$ErrorActionPreference = 'Stop'
$shares = @{}
foreach ($computer in $ComputerName) { $shares[$computer] = [System.Collections.Generic.List[string]]::new() }
for ($i = 0; $i -lt $Video.Count; $i++) { $shares[$ComputerName[$i % $ComputerName.Count]].Add($Video[$i].FullName) }

$work = {
    param($modulePath, $videos, $outputDirectory, $maxIters, $throttleLimit)
    $videos | ForEach-Object -ThrottleLimit $throttleLimit -Parallel {
        Import-Module -Name $using:modulePath
        Invoke-MonoBiomech -LiteralPath $_ -OutputDirectory $using:outputDirectory -MaxIters $using:maxIters -SkipExisting
    }
}
$jobs = foreach ($computer in $ComputerName) {
    if ($shares[$computer].Count -eq 0) { continue }
    $target = if ($UseSsh) { @{ HostName = $computer } } else { @{ ComputerName = $computer } }
    Invoke-Command @target -ScriptBlock $work -ArgumentList $ModulePath, $shares[$computer].ToArray(), $OutputDirectory, $MaxIters, $ThrottleLimit -AsJob
}
$jobs | Receive-Job -Wait -AutoRemoveJob
