#Requires -Version 7.4
# Pester 5 smoke tests of the built module, for machines with pwsh:
#   ./build.ps1 -Test          (sets MONOBIOMECH_MODULE to the folder it built)
#   Invoke-Pester tests/Pester (imports out/MonoBiomech)
# The hosted-engine module tests (tests/MonoBiomech.Module.Tests) check that every command used here exists.

BeforeDiscovery {
    $repositoryRoot = [IO.Path]::GetFullPath([IO.Path]::Combine($PSScriptRoot, '..', '..'))
    $sharedClip = [IO.Path]::Combine($repositoryRoot, '..', 'shared', 'data', 'walking_sports2d_demo.mp4')
    $haveSharedClip = Test-Path -LiteralPath $sharedClip
}

BeforeAll {
    $repositoryRoot = [IO.Path]::GetFullPath([IO.Path]::Combine($PSScriptRoot, '..', '..'))
    $manifest = if ($env:MONOBIOMECH_MODULE) { $env:MONOBIOMECH_MODULE }
                else { [IO.Path]::Combine($repositoryRoot, 'out', 'MonoBiomech', 'MonoBiomech.psd1') }
    Import-Module -Name $manifest -Force -ErrorAction Stop
    $sharedClip = [IO.Path]::Combine($repositoryRoot, '..', 'shared', 'data', 'walking_sports2d_demo.mp4')
    $work = New-Item -ItemType Directory -Path ([IO.Path]::Combine([IO.Path]::GetTempPath(), "mb-pester-$PID"))
}

AfterAll {
    Remove-Module -Name MonoBiomech -ErrorAction Ignore
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
}

Describe 'MonoBiomech module' {
    It 'exports exactly its cmdlets' {
        $names = Get-Command -Module MonoBiomech | Sort-Object -Property Name | ForEach-Object Name
        $names | Should -Be @('Clear-MonoBiomechCache', 'Get-MonoBiomechCache', 'Import-BiomechFit', 'Invoke-BiomechFit', 'Invoke-PersonDetection')
    }
}

Describe 'Invoke-PersonDetection' {
    It 'finds the subject in the shared walking clip piped from Get-Item' -Skip:(-not $haveSharedClip) {
        $result = Get-Item -LiteralPath $sharedClip | Invoke-PersonDetection -Force
        $result | Should -HaveCount 1
        $result.Video.Path | Should -Be (Get-Item -LiteralPath $sharedClip).FullName
        $result.FramesDecoded | Should -BeGreaterThan 200
        $result.FramesWithSubject | Should -BeGreaterThan 0
    }

    It 'returns the cached result on a second run and forgets it after Clear-MonoBiomechCache' -Skip:(-not $haveSharedClip) {
        $first = Invoke-PersonDetection -LiteralPath $sharedClip
        $second = Invoke-PersonDetection -LiteralPath $sharedClip
        [object]::ReferenceEquals($first, $second) | Should -BeTrue
        Get-MonoBiomechCache -Path $sharedClip -Stage PersonDetection | Should -HaveCount 1
        Clear-MonoBiomechCache -Path $sharedClip -Confirm:$false
        Get-MonoBiomechCache -Path $sharedClip | Should -BeNullOrEmpty
    }

    It 'writes one error per bad file with a specific error id' {
        $empty = New-Item -ItemType File -Path ([IO.Path]::Combine($work, 'empty.mp4')) -Force
        $text = [IO.Path]::Combine($work, 'notes.mp4')
        Set-Content -LiteralPath $text -Value 'not a video'
        $missing = [IO.Path]::Combine($work, 'missing.mp4')

        $output = Invoke-PersonDetection -LiteralPath $missing, $empty.FullName, $text, $work -ErrorAction SilentlyContinue -ErrorVariable failures
        $output | Should -BeNullOrEmpty
        $failures | Should -HaveCount 4
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'VideoNotFound,*'
        $failures[1].FullyQualifiedErrorId | Should -BeLike 'VideoEmpty,*'
        $failures[2].FullyQualifiedErrorId | Should -BeLike 'NotAVideo,*'
        $failures[3].FullyQualifiedErrorId | Should -BeLike 'PathIsDirectory,*'
        $failures[3].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'stops before reading videos when the ONNX model is missing' {
        { Invoke-PersonDetection -LiteralPath $sharedClip -ModelPath ([IO.Path]::Combine($work, 'none.onnx')) -ErrorAction Stop } |
            Should -Throw -ErrorId 'DetectorModelNotFound,*'
    }
}

Describe 'Invoke-BiomechFit and Import-BiomechFit' {
    BeforeAll {
        # A synthetic 30-frame walk from the engine's internal generator (reached by reflection: it is test support, not API).
        $null = Get-MonoBiomechCache
        $engine = [AppDomain]::CurrentDomain.GetAssemblies().Where({ $_.GetName().Name -eq 'MonoBiomech.Engine' })[0]
        $anyStatic = [Reflection.BindingFlags]'Public, NonPublic, Static'
        $bodyModel = $engine.GetType('MonoBiomech.Engine.BodyModel.BodyModel', $true)::LoadMjcf(
            [IO.Path]::Combine((Get-Module MonoBiomech).ModuleBase, 'models', 'monobiomech_body.xml'))
        $synthetic = $engine.GetType('MonoBiomech.Engine.Fitting.SyntheticMotion', $true)
        $walking = [Enum]::Parse($engine.GetType('MonoBiomech.Engine.Fitting.SyntheticMotionKind', $true), 'Walking')
        $noNoise = $engine.GetType('MonoBiomech.Engine.Fitting.SyntheticNoise', $true).GetProperty('None', $anyStatic).GetValue($null)
        $scales = [double[]]::new($bodyModel.ScaleGroupCount)
        $generate = $synthetic.GetMethod('Generate', $anyStatic)
        $arguments = @($bodyModel, $walking, 30, 30.0, $scales, $noNoise, 1, 'walk')
        foreach ($parameter in $generate.GetParameters()) {
            if ($parameter.Position -ge $arguments.Count) { $arguments += $parameter.DefaultValue } # later optional parameters
        }
        $video = $generate.Invoke($null, $arguments)
        $keypointsFile = [IO.Path]::Combine($work, 'walk_keypoints.npz')
        $engine.GetType('MonoBiomech.Engine.Output.KeypointsNpz', $true)::Write($keypointsFile, $video.Keypoints, $null)
    }

    It 'fits a keypoint file, writes the fitted model and reads it back' {
        $fits = Join-Path -Path $work -ChildPath 'fits'
        $result = Get-Item -LiteralPath $keypointsFile | Invoke-BiomechFit -OutputDirectory $fits -MaxIters 10
        $result | Should -HaveCount 1
        $result.FrameCount | Should -Be 30
        $written = Join-Path -Path $fits -ChildPath 'walk_fitted_model.npz'
        Test-Path -LiteralPath $written | Should -BeTrue
        $imported = Import-BiomechFit -LiteralPath $written
        $imported.Coordinates | Should -Be $result.Coordinates
    }

    It 'refuses to overwrite a fitted model without -Force' {
        $fits = Join-Path -Path $work -ChildPath 'fits'
        Invoke-BiomechFit -LiteralPath $keypointsFile -OutputDirectory $fits -ErrorAction SilentlyContinue -ErrorVariable failures | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'OutputExists,*'
    }

    It 'writes one error per bad input with a specific error id' {
        $text = Join-Path -Path $work -ChildPath 'notes_keypoints.npz'
        Set-Content -LiteralPath $text -Value 'not a zip archive'
        $missing = Join-Path -Path $work -ChildPath 'missing_keypoints.npz'
        $output = Invoke-BiomechFit -LiteralPath $missing, $text, $work -ErrorAction SilentlyContinue -ErrorVariable failures
        $output | Should -BeNullOrEmpty
        $failures | Should -HaveCount 3
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'KeypointsFileNotFound,*'
        $failures[1].FullyQualifiedErrorId | Should -BeLike 'NotAKeypointsFile,*'
        $failures[2].FullyQualifiedErrorId | Should -BeLike 'PathIsDirectory,*'

        Import-BiomechFit -LiteralPath $text -ErrorAction SilentlyContinue -ErrorVariable importFailures | Should -BeNullOrEmpty
        $importFailures[0].FullyQualifiedErrorId | Should -BeLike 'NotAFittedModelFile,*'
    }
}
