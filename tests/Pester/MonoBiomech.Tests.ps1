#Requires -Version 7.4
# Pester 5 smoke tests of the built module, for machines with pwsh:
#   ./build.ps1 -Test          (sets MONOBIOMECH_MODULE to the folder it built)
#   Invoke-Pester tests/Pester (imports out/MonoBiomech)
# The hosted-engine module tests (tests/MonoBiomech.Module.Tests) check that every command used here exists.

BeforeDiscovery {
    $repositoryRoot = [IO.Path]::GetFullPath([IO.Path]::Combine($PSScriptRoot, '..', '..'))
    $sharedClip = [IO.Path]::Combine($repositoryRoot, '..', 'shared', 'data', 'walking_sports2d_demo.mp4')
    $haveSharedClip = Test-Path -LiteralPath $sharedClip
    # build.ps1 fetches the BlazePose networks from npm; without them the pose tests are skipped, visibly
    $haveBlazePose = $haveSharedClip -and (Test-Path -LiteralPath ([IO.Path]::Combine($repositoryRoot, 'models', 'blazepose', 'pose_landmark_lite.tflite')))
}

BeforeAll {
    $repositoryRoot = [IO.Path]::GetFullPath([IO.Path]::Combine($PSScriptRoot, '..', '..'))
    $manifest = if ($env:MONOBIOMECH_MODULE) { $env:MONOBIOMECH_MODULE }
                else { [IO.Path]::Combine($repositoryRoot, 'out', 'MonoBiomech', 'MonoBiomech.psd1') }
    Import-Module -Name $manifest -Force -ErrorAction Stop
    $sharedClip = [IO.Path]::Combine($repositoryRoot, '..', 'shared', 'data', 'walking_sports2d_demo.mp4')
    $work = New-Item -ItemType Directory -Path ([IO.Path]::Combine([IO.Path]::GetTempPath(), "mb-pester-$PID"))

    $format = [xml](Get-Content -LiteralPath ([IO.Path]::Combine((Get-Module MonoBiomech).ModuleBase, 'MonoBiomech.format.ps1xml')) -Raw)
    # Renders $object as a table 80 columns wide and checks that every column of its type's table view is there.
    $assertTableFits = {
        param($object)
        $typeName = $object.GetType().FullName
        $view = $format.Configuration.ViewDefinitions.View.Where({ $_.ViewSelectedBy.TypeName -eq $typeName -and $_['TableControl'] })[0]
        $labels = @($view.TableControl.TableHeaders.TableColumnHeader.Label)
        $lines = @(($object | Format-Table | Out-String -Width 80) -split "`r?`n" | Where-Object { $_.Trim() })
        $headers = $lines[0] -split ' +' | Where-Object { $_ }
        $headers | Should -Be $labels -Because "the $typeName table must show every column at 80 columns:`n$($lines -join "`n")"
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 80 }
    }
}

AfterAll {
    Remove-Module -Name MonoBiomech -ErrorAction Ignore
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
}

Describe 'MonoBiomech module' {
    It 'exports exactly its cmdlets' {
        $names = Get-Command -Module MonoBiomech | Sort-Object -Property Name | ForEach-Object Name
        $names | Should -Be @('Clear-MonoBiomechCache', 'Export-BiomechFit', 'Get-MonoBiomechCache', 'Get-PoseKeypoints', 'Import-BiomechFit', 'Invoke-BiomechFit', 'Invoke-MonoBiomech', 'Invoke-PersonDetection')
    }
}

Describe 'Public types' {
    It 'names the contract types in scripts: enums, cameras and result types resolve' {
        [MonoBiomech.Detection.SubjectPolicy]::Largest | Should -BeOfType ([MonoBiomech.Detection.SubjectPolicy])
        [MonoBiomech.Detection.SubjectPolicy]::Largest.ToString() | Should -Be 'Largest'
        $camera = [MonoBiomech.Pose.CameraIntrinsics]::new(1500, 1500, 959.5, 539.5, 1920, 1080)
        $camera.FocalLengthYPixels | Should -Be 1500
        $camera.Project(0.1, -0.2, 2.0).Item1 | Should -Be (1500 * 0.05 + 959.5) # a C# value tuple: Item1 is X
        [MonoBiomech.Pose.CameraIntrinsics]::FromFieldOfView(1920, 1080).PrincipalPointYPixels | Should -Be 539.5
        foreach ($name in 'MonoBiomech.Fitting.BiomechFitResult', 'MonoBiomech.Detection.PersonDetectionResult',
                          'MonoBiomech.Caching.SessionCacheEntry', 'MonoBiomech.Video.VideoInfo', 'MonoBiomech.Pose.PoseSequence') {
            $name -as [type] | Should -Not -BeNullOrEmpty -Because "$name is a public type of the module"
        }
    }

    It 'lists the contract types as the cmdlets'' output types' {
        (Get-Command Invoke-BiomechFit).OutputType.Type | Should -Be ([MonoBiomech.Fitting.BiomechFitResult])
        (Get-Command Invoke-PersonDetection).OutputType.Type | Should -Be ([MonoBiomech.Detection.PersonDetectionResult])
        (Get-Command Get-MonoBiomechCache).OutputType.Type | Should -Be ([MonoBiomech.Caching.SessionCacheEntry])
        (Get-Command Get-PoseKeypoints).OutputType.Type | Should -Be ([MonoBiomech.Pose.PoseSequence])
        (Get-Command Invoke-MonoBiomech).OutputType.Type | Should -Be ([MonoBiomech.Pipeline.MonoBiomechResult])
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

    It 'shows every column of the detection and cache tables in an 80-column console, and a short list view' -Skip:(-not $haveSharedClip) {
        $detection = Invoke-PersonDetection -LiteralPath $sharedClip
        & $assertTableFits $detection
        & $assertTableFits (Get-MonoBiomechCache -Path $sharedClip -Stage PersonDetection)

        # the list view and the text of a detection: no per-frame lists, no type names
        $list = $detection | Format-List | Out-String -Width 120
        $list | Should -Match 'SubjectTrack +: track \d+: frames \d+-\d+, seen in \d+'
        $list | Should -Not -Match 'SubjectBoxes|System\.Collections'
        "$detection" | Should -Match '^walking_sports2d_demo\.mp4: \d+ frames, subject in \d+, \d+ tracks$'
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

    It 'prints nothing from OpenCV or FFmpeg for a bad video: the error record says it' {
        # A child pwsh, whose OpenCV starts fresh; its stderr must stay empty while the errors arrive as records.
        $text = [IO.Path]::Combine($work, 'quiet-notes.mp4')
        Set-Content -LiteralPath $text -Value 'not a video'
        $stub = [IO.Path]::Combine($work, 'quiet-stub.mp4')
        [IO.File]::WriteAllBytes($stub, [byte[]](0, 0, 0, 24, 0x66, 0x74, 0x79, 0x70)) # an MP4 'ftyp' box and nothing else
        $child = [IO.Path]::Combine($work, 'quiet-child.ps1')
        Set-Content -LiteralPath $child -Value @'
param($manifest, $text, $stub)
Import-Module -Name $manifest -ErrorAction Stop
$null = Invoke-PersonDetection -LiteralPath $text, $stub -ErrorAction SilentlyContinue -ErrorVariable failures
$failures | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] + ': ' + $_.Exception.Message }
'@
        $start = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
        if ([IO.Path]::GetFileNameWithoutExtension($start.FileName) -eq 'dotnet') {
            $start.ArgumentList.Add([Reflection.Assembly]::GetEntryAssembly().Location) # pwsh installed as a dotnet tool: dotnet pwsh.dll
        }
        foreach ($argument in '-NoProfile', '-NonInteractive', '-File', $child, $manifest, $text, $stub) { $start.ArgumentList.Add($argument) }
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        foreach ($name in 'OPENCV_LOG_LEVEL', 'OPENCV_FFMPEG_LOGLEVEL', 'OPENCV_FFMPEG_DEBUG') { $null = $start.Environment.Remove($name) }
        $process = [Diagnostics.Process]::Start($start)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEnd()
        $process.WaitForExit()

        $stderr | Should -BeNullOrEmpty
        $records = $stdout.Result -split "`r?`n" | Where-Object { $_ }
        $records | Should -HaveCount 2
        $records[0] | Should -BeLike 'NotAVideo: *quiet-notes.mp4*'
        $records[1] | Should -BeLike 'VideoTruncated: *quiet-stub.mp4*truncated or damaged*'
    }

    It 'stops before reading videos when the ONNX model is missing' {
        { Invoke-PersonDetection -LiteralPath $sharedClip -ModelPath ([IO.Path]::Combine($work, 'none.onnx')) -ErrorAction Stop } |
            Should -Throw -ErrorId 'DetectorModelNotFound,*'
    }
}

Describe 'Get-PoseKeypoints' {
    It 'turns a real video into BlazePose keypoints, caches them, and the fit takes them by the video''s path' -Skip:(-not $haveBlazePose) {
        $poses = Get-Item -LiteralPath $sharedClip | Get-PoseKeypoints -ModelComplexity Lite
        $poses | Should -HaveCount 1
        $poses -is [MonoBiomech.Pose.PoseSequence] | Should -BeTrue
        $poses.KeypointSetName | Should -Be 'blazepose_33'
        $poses.PoseModelDescription | Should -Match 'BlazePose GHUM 3D Lite'
        $poses.FramesWithKeypoints | Should -BeGreaterThan 100
        & $assertTableFits $poses
        $again = Get-PoseKeypoints -LiteralPath $sharedClip -ModelComplexity Lite
        [object]::ReferenceEquals($poses, $again) | Should -BeTrue
        # a piped detection with the same settings names the same cached keypoints
        $piped = Invoke-PersonDetection -LiteralPath $sharedClip | Get-PoseKeypoints -ModelComplexity Lite
        [object]::ReferenceEquals($poses, $piped) | Should -BeTrue
        $fit = Invoke-BiomechFit -LiteralPath $sharedClip -MaxIters 20
        $fit -is [MonoBiomech.Fitting.BiomechFitResult] | Should -BeTrue
        $fit.KeypointSetName | Should -Be 'blazepose_33'
        $fit.Coordinate('knee_angle_r', 'Degrees') | Should -HaveCount $fit.FrameCount
    }

    It 'takes the camera from a Pose2Sim calibration file or a field of view' -Skip:(-not $haveBlazePose) {
        $forcePlate = [IO.Path]::Combine([IO.Path]::GetDirectoryName($sharedClip), 'force_plate_subject_pose2sim_cam01.mp4')
        $calib = [IO.Path]::Combine($work, 'Calib.toml')
        Set-Content -LiteralPath $calib -Value @(
            '[cam_01]', 'name = "cam_01"', 'size = [ 1080.0, 1920.0]', 'matrix = [ [ 1681.2, 0.0, 533.0], [ 0.0, 1681.1, 948.1], [ 0.0, 0.0, 1.0]]',
            'distortions = [ -0.0007, 0.0022, 0.00001, 0.00001]', 'fisheye = false', '',
            '[cam_02]', 'name = "cam_02"', 'size = [ 1080.0, 1920.0]', 'matrix = [ [ 1673.7, 0.0, 534.5], [ 0.0, 1673.8, 963.2], [ 0.0, 0.0, 1.0]]',
            'distortions = [ -0.0007, 0.0021, 0.00002, 0.0]', 'fisheye = false')
        $poses = Get-PoseKeypoints -LiteralPath $forcePlate -Camera $calib -CameraName cam_01 -ModelComplexity Lite
        $poses.Camera.FocalLengthXPixels | Should -Be 1681.2
        $poses.Camera.IsDistorted | Should -BeFalse -Because 'the distortion is removed from the 2D keypoints'
        $e = { Get-PoseKeypoints -LiteralPath $forcePlate -Camera $calib } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'CameraFileInvalid,*'
        $e.Exception.Message | Should -Match 'holds 2 cameras \(cam_01, cam_02\)'
        $wide = Get-PoseKeypoints -LiteralPath $forcePlate -Camera 72 -ModelComplexity Lite
        $wide.Camera.FocalLengthXPixels | Should -BeLessThan 1400
    }

    It 'stops before reading any video when the model files are missing, naming them and their source' {
        $empty = New-Item -ItemType Directory -Path ([IO.Path]::Combine($work, 'no-models')) -Force
        $e = { Get-PoseKeypoints -Path $sharedClip -ModelPath $empty.FullName } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'PoseModelNotFound,*'
        $e.Exception.Message | Should -Match 'pose_landmark_full\.tflite.*SHA-256 e9a5c5cb.*@mediapipe/pose@0\.5\.1675469404'
    }

    It 'refuses MeTRAbs files that are missing, not ONNX, or a pickle that would run code, each with its own error id' -Skip:(-not $haveSharedClip) {
        $folder = New-Item -ItemType Directory -Path ([IO.Path]::Combine($work, 'metrabs-bad')) -Force
        $e = { Get-PoseKeypoints -Path $sharedClip -PoseModel MeTRAbs -ModelPath $folder.FullName } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'PoseModelNotFound,*'
        $e.Exception.Message | Should -Match 'metrabs_backbone\.onnx.*metrabs_metadata\.pkl.*non-commercial'

        $backbone = [IO.Path]::Combine($folder.FullName, 'metrabs_backbone.onnx')
        $metadata = [IO.Path]::Combine($folder.FullName, 'metrabs_metadata.pkl')
        Copy-Item -LiteralPath ([IO.Path]::Combine($repositoryRoot, '..', 'shared', 'data', 'metrabs_metadata.pkl')) -Destination $metadata
        Set-Content -LiteralPath $backbone -Value 'not an ONNX model'
        $e = { Get-PoseKeypoints -Path $sharedClip -PoseModel MeTRAbs -ModelPath $folder.FullName } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'PoseModelUnreadable,*'
        $e.TargetObject | Should -Be $backbone

        # protocol 2: os.system('ls'), which a plain unpickler would run
        [IO.File]::WriteAllBytes($metadata, [byte[]](0x80, 0x02) + [Text.Encoding]::ASCII.GetBytes("cos`nsystem`nX") + [byte[]](2, 0, 0, 0) +
            [Text.Encoding]::ASCII.GetBytes('ls') + [byte[]](0x85, 0x52, 0x2E))
        $e = { Get-PoseKeypoints -Path $sharedClip -PoseModel MeTRAbs -ModelPath $folder.FullName } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'PoseModelMetadataInvalid,*'
        $e.TargetObject | Should -Be $metadata
        $e.Exception.Message | Should -Match 'os.*system'
    }

    It 'writes one error per bad video and goes on with the next' -Skip:(-not $haveBlazePose) {
        $text = [IO.Path]::Combine($work, 'not-a-video.mp4')
        Set-Content -LiteralPath $text -Value 'hello'
        $poses = Get-PoseKeypoints -LiteralPath $text, $sharedClip -ModelComplexity Lite -ErrorVariable failures -ErrorAction SilentlyContinue
        $poses | Should -HaveCount 1
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'NotAVideo,*'
        $failures[0].TargetObject | Should -Be $text
    }
}

Describe 'Invoke-MonoBiomech' {
    It 'turns videos into OpenSim, CSV and npz files, skips finished ones and never overwrites without -Force' -Skip:(-not $haveBlazePose) {
        $out = [IO.Path]::Combine($work, 'pipeline')
        $text = [IO.Path]::Combine($work, 'broken.mp4')
        Set-Content -LiteralPath $text -Value 'not a video'
        $results = Get-Item -LiteralPath $text, $sharedClip | Invoke-MonoBiomech -OutputDirectory $out -ModelComplexity Lite -MaxIters 30 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'NotAVideo,*'
        $results | Should -HaveCount 1
        $results[0] -is [MonoBiomech.Pipeline.MonoBiomechResult] | Should -BeTrue
        $results[0].PoseModelDescription | Should -Match 'BlazePose GHUM 3D Lite'
        & $assertTableFits $results[0]
        $names = Get-ChildItem -LiteralPath $out | ForEach-Object Name | Sort-Object
        $names | Should -Be (@('walking_sports2d_demo.mot', 'walking_sports2d_demo_coordinates.csv', 'walking_sports2d_demo_fitted_model.npz',
                               'walking_sports2d_demo_joint_angles.png', 'walking_sports2d_demo_keypoints.npz', 'walking_sports2d_demo_keypoints.trc', 'walking_sports2d_demo_markers.trc',
                               'walking_sports2d_demo_overlay.mp4', 'walking_sports2d_demo_overlay.png') | Sort-Object)
        $mot = Get-Content -LiteralPath ([IO.Path]::Combine($out, 'walking_sports2d_demo.mot'))
        $mot[4] | Should -Be 'inDegrees=yes'
        $mot[2] | Should -Be "nRows=$($results[0].Fit.FrameCount)"
        $csv = @(Get-Content -LiteralPath ([IO.Path]::Combine($out, 'walking_sports2d_demo_coordinates.csv')))
        $csv | Should -HaveCount ($results[0].Fit.FrameCount + 1)
        $knee = [array]::IndexOf($csv[0].Split(','), 'knee_angle_r_deg')
        [double]::Parse($csv[1].Split(',')[$knee], [cultureinfo]::InvariantCulture) | Should -BeLessThan 15
        (Invoke-MonoBiomech -LiteralPath $sharedClip -OutputDirectory $out -SkipExisting) | Should -BeNullOrEmpty
        Invoke-MonoBiomech -LiteralPath $sharedClip -OutputDirectory $out -ErrorVariable exists -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $exists[0].FullyQualifiedErrorId | Should -BeLike 'OutputExists,*'
        Get-ChildItem -LiteralPath $out -Force -Filter '*.partial-*' | Should -BeNullOrEmpty

        # Export-BiomechFit: more formats of the same fit, -WhatIf, no overwrite without -Force, -PassThru
        $exports = [IO.Path]::Combine($work, 'exports')
        $results[0] | Export-BiomechFit -Format Json, Mot -OutputDirectory $exports -WhatIf
        Test-Path -LiteralPath $exports | Should -BeFalse
        $written = $results[0] | Export-BiomechFit -Format Json, Mot, Plot -PlotCoordinate knee_angle_r, knee_angle_l -OutputDirectory $exports -PassThru
        $written | ForEach-Object Name | Should -Be @('walking_sports2d_demo_fit.json', 'walking_sports2d_demo.mot', 'walking_sports2d_demo_joint_angles.png')
        $written[0] -is [IO.FileInfo] | Should -BeTrue
        (Get-Content -LiteralPath ([IO.Path]::Combine($exports, 'walking_sports2d_demo.mot'))) | Should -Be (Get-Content -LiteralPath ([IO.Path]::Combine($out, 'walking_sports2d_demo.mot')))
        $results[0].Fit | Export-BiomechFit -Format Mot -OutputDirectory $exports -ErrorVariable refused -ErrorAction SilentlyContinue
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'OutputExists,*'
        $results[0].Fit | Export-BiomechFit -Format Mot -OutputDirectory $exports -Force -PassThru | Should -HaveCount 1
    }

    It 'completes coordinate names with Tab' {
        $line = 'Export-BiomechFit -PlotCoordinate knee_an'
        $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $completions | Should -Be @('knee_angle_r', 'knee_angle_l')
        $line = 'Invoke-MonoBiomech -BodyModel monobio'
        $first = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches[0]
        $first.ListItemText | Should -Be 'monobiomech_body.xml'
        $first.CompletionText | Should -BeLike "'*models*monobiomech_body.xml'"
    }
}

Describe 'Batches' {
    It 'runs videos side by side with ForEach-Object -Parallel, each runspace importing the module' -Skip:(-not $haveBlazePose) {
        $out = [IO.Path]::Combine($work, 'parallel')
        $forcePlate = [IO.Path]::Combine([IO.Path]::GetDirectoryName($sharedClip), 'force_plate_subject_pose2sim_cam01.mp4')
        $module = $manifest
        $results = @($sharedClip, $forcePlate) | ForEach-Object -ThrottleLimit 2 -Parallel {
            Import-Module -Name $using:module
            Invoke-MonoBiomech -LiteralPath $_ -OutputDirectory $using:out -ModelComplexity Lite -MaxIters 20
        }
        $results | Should -HaveCount 2
        $results | ForEach-Object { $_ -is [MonoBiomech.Pipeline.MonoBiomechResult] | Should -BeTrue }
        @(Get-ChildItem -LiteralPath $out -Filter *_fitted_model.npz) | Should -HaveCount 2
    }

    It 'runs the SLURM array script''s body for one array index' -Skip:(-not $haveBlazePose -or $IsWindows) {
        $out = [IO.Path]::Combine($work, 'slurm')
        $list = [IO.Path]::Combine($work, 'videos.txt')
        $forcePlate = [IO.Path]::Combine([IO.Path]::GetDirectoryName($sharedClip), 'force_plate_subject_pose2sim_cam01.mp4')
        Set-Content -LiteralPath $list -Value @($sharedClip, $forcePlate)
        $env:SLURM_ARRAY_TASK_ID = '1'
        $env:MONOBIOMECH_VIDEO_LIST = $list
        $env:MONOBIOMECH_OUTPUT = $out
        $env:MONOBIOMECH_PWSH = Join-Path $PSHOME 'pwsh' # this PowerShell (a dotnet tool's process is dotnet itself)
        $env:MONOBIOMECH_MAX_ITERS = '20'
        $env:MONOBIOMECH_MODEL_COMPLEXITY = 'Lite'
        $previousModule = $env:MONOBIOMECH_MODULE
        $env:MONOBIOMECH_MODULE = $manifest
        try {
            $log = & bash ([IO.Path]::Combine($repositoryRoot, 'examples', 'slurm', 'monobiomech-array.sbatch')) 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($log -join "`n")
            $log -join "`n" | Should -Match 'force_plate_subject_pose2sim_cam01\.mp4: \d+ fitted frames'
            [IO.File]::Exists([IO.Path]::Combine($out, 'force_plate_subject_pose2sim_cam01_fitted_model.npz')) | Should -BeTrue
            # the same task again: skipped, since its outputs are complete
            (& bash ([IO.Path]::Combine($repositoryRoot, 'examples', 'slurm', 'monobiomech-array.sbatch')) 2>&1) -join "`n" | Should -Match 'Skipped \(already done\)'
        }
        finally {
            'SLURM_ARRAY_TASK_ID', 'MONOBIOMECH_VIDEO_LIST', 'MONOBIOMECH_OUTPUT', 'MONOBIOMECH_PWSH', 'MONOBIOMECH_MAX_ITERS', 'MONOBIOMECH_MODEL_COMPLEXITY' |
                ForEach-Object { Remove-Item -Path "Env:$_" -ErrorAction Ignore }
            $env:MONOBIOMECH_MODULE = $previousModule
        }
    }
}

Describe 'Invoke-BiomechFit and Import-BiomechFit' {
    BeforeAll {
        # A synthetic 30-frame walk from the engine's internal generator (reached by reflection: it is test support, not API).
        $null = Get-MonoBiomechCache
        $engine = [AppDomain]::CurrentDomain.GetAssemblies().Where({ $_.GetName().Name -eq 'MonoBiomech.Engine' })[0]
        $anyStatic = [Reflection.BindingFlags]'Public, NonPublic, Static'
        $bodyModel = $engine.GetType('MonoBiomech.Engine.BodyModels.BodyModel', $true)::LoadMjcf(
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
        $engine.GetType('MonoBiomech.Engine.Formats.KeypointsNpz', $true)::Write($keypointsFile, $video.Keypoints)
    }

    It 'fits a keypoint file, writes the fitted model and reads it back' {
        $fits = Join-Path -Path $work -ChildPath 'fits'
        $result = Get-Item -LiteralPath $keypointsFile | Invoke-BiomechFit -OutputDirectory $fits -MaxIters 10
        $result | Should -HaveCount 1
        $result -is [MonoBiomech.Fitting.BiomechFitResult] | Should -BeTrue
        $result.FrameCount | Should -Be 30
        $written = Join-Path -Path $fits -ChildPath 'walk_fitted_model.npz'
        Test-Path -LiteralPath $written | Should -BeTrue
        $imported = Import-BiomechFit -LiteralPath $written
        $imported -is [MonoBiomech.Fitting.BiomechFitResult] | Should -BeTrue
        $imported.CoordinateValues | Should -Be $result.CoordinateValues
    }

    It 'fits a PoseSequence the script builds, piped or passed to -InputObject' {
        # The keypoints are the sites of a first fit, put back into a camera built here: 2 m in front, 1500 px focal length.
        $first = Invoke-BiomechFit -LiteralPath $keypointsFile -MaxIters 10
        $camera = [MonoBiomech.Pose.CameraIntrinsics]::new(1500, 1500, 959.5, 539.5, 1920, 1080)
        $frames = $first.FrameCount
        $sites = $first.SiteNames.Count
        $r = $first.CameraToWorldRotation
        $c = $first.CameraPositionMetres
        $keypoints3d = [double[]]::new($frames * $sites * 3)
        $keypoints2d = [double[]]::new($frames * $sites * 2)
        for ($i = 0; $i -lt $frames * $sites; $i++) {
            $w = $first.SitePositionsMetres[(3 * $i)..(3 * $i + 2)]
            $d = @(($w[0] - $c[0]), ($w[1] - $c[1]), ($w[2] - $c[2]))
            # x_camera = R^T (x_world - c), in millimetres
            $x = 1000 * ($r[0] * $d[0] + $r[3] * $d[1] + $r[6] * $d[2])
            $y = 1000 * ($r[1] * $d[0] + $r[4] * $d[1] + $r[7] * $d[2])
            $z = 1000 * ($r[2] * $d[0] + $r[5] * $d[1] + $r[8] * $d[2])
            $keypoints3d[3 * $i] = $x; $keypoints3d[3 * $i + 1] = $y; $keypoints3d[3 * $i + 2] = $z
            $pixel = $camera.Project($x, $y, $z)
            $keypoints2d[2 * $i] = $pixel.Item1; $keypoints2d[2 * $i + 1] = $pixel.Item2
        }
        $confidences = [double[]]::new($frames * $sites)
        [Array]::Fill($confidences, 1.0)
        $sequence = [MonoBiomech.Pose.PoseSequence]::new('scripted.mp4', $first.SiteNames, $first.TimestampsSeconds,
            $keypoints3d, $keypoints2d, $confidences, $camera)

        $piped = $sequence | Invoke-BiomechFit -MaxIters 10
        $passed = Invoke-BiomechFit -InputObject $sequence -MaxIters 10
        foreach ($fit in $piped, $passed) {
            $fit -is [MonoBiomech.Fitting.BiomechFitResult] | Should -BeTrue
            $fit.Source | Should -Be 'scripted.mp4'
            $fit.FrameCount | Should -Be $frames
            $fit.Metrics.Mean3dErrorMillimetres | Should -BeLessThan 1
            $fit.Metrics.Mean2dErrorPixels | Should -BeLessThan 1
        }

        # One joint by name, in degrees, without index arithmetic; the kinds and units say how to read each series.
        $knee = $passed.Coordinate('knee_angle_r', [MonoBiomech.Fitting.AngleUnit]::Degrees)
        $knee.Count | Should -Be $frames
        $radians = $passed.Coordinate('knee_angle_r')
        $knee[3] | Should -BeGreaterThan (180 / [math]::PI * $radians[3] - 1e-9)
        $knee[3] | Should -BeLessThan (180 / [math]::PI * $radians[3] + 1e-9)
        ($passed.Coordinates | Where-Object Name -EQ 'pelvis_tx').Kind | Should -Be ([MonoBiomech.Fitting.CoordinateKind]::Translation)
        ($passed.Coordinates | Where-Object Name -EQ 'knee_angle_r').Unit | Should -Be 'rad'
        $passed.Metrics.ExitReason -is [MonoBiomech.Fitting.FitExitReason] | Should -BeTrue
        $passed.KeypointResiduals.Count | Should -Be $sequence.JointCount
        { $passed.Coordinate('no_such_joint') } | Should -Throw -ExpectedMessage "*no coordinate 'no_such_joint'*"
        # Read-only: a script cannot change a (possibly cached) result's arrays.
        { $passed.CoordinateValues[0] = 1 } | Should -Throw
        "$passed" | Should -BeLike 'scripted.mp4: * frames, *'
    }

    It 'shows every column of the fit table in an 80-column console' {
        & $assertTableFits (Invoke-BiomechFit -LiteralPath $keypointsFile -MaxIters 2)
    }

    It 'reports paths outside the file system one error each, and never writes outside it' {
        $output = Invoke-BiomechFit -LiteralPath 'Env:PATH', 'NoDrive:/x_keypoints.npz', $keypointsFile -MaxIters 2 -ErrorAction SilentlyContinue -ErrorVariable failures
        $output | Should -HaveCount 1
        $failures | Should -HaveCount 2
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'NotAFileSystemPath,*'
        $failures[0].TargetObject | Should -Be 'Env:PATH'
        $failures[1].FullyQualifiedErrorId | Should -BeLike 'DriveNotFound,*'

        { Invoke-BiomechFit -LiteralPath $keypointsFile -OutputDirectory 'Env:/mb-pester-fits' -ErrorAction Stop } |
            Should -Throw -ErrorId 'NotAFileSystemPath,*'
        Test-Path -LiteralPath ([IO.Path]::Combine([Environment]::CurrentDirectory, 'mb-pester-fits')) | Should -BeFalse
        Test-Path -LiteralPath (Join-Path -Path $PWD.ProviderPath -ChildPath 'mb-pester-fits') | Should -BeFalse
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
