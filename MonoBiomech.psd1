@{
    RootModule           = 'MonoBiomech.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = 'dd0fea4b-ea54-4d48-86e7-52e686d93b03'
    Author               = 'MonoBiomech contributors'
    CompanyName          = 'MonoBiomech'
    Copyright            = '(c) MonoBiomech contributors.'
    Description          = 'Biomechanics from single-camera videos on the CPU. This version: person detection and tracking in videos, and a 40-DoF body model fitted to 3D keypoints (upstream _keypoints.npz files or PoseSequence objects), saved as _fitted_model.npz.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    # the public result, settings and camera types, loaded into the default context so scripts can name them
    RequiredAssemblies   = @('MonoBiomech.Contracts.dll')
    FormatsToProcess     = @('MonoBiomech.format.ps1xml')
    CmdletsToExport      = @(
        'Invoke-PersonDetection'
        'Get-PoseKeypoints'
        'Get-MonoBiomechCache'
        'Clear-MonoBiomechCache'
        'Invoke-BiomechFit'
        'Import-BiomechFit'
        'Export-BiomechFit'
        'Invoke-MonoBiomech'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Biomechanics', 'PoseEstimation', 'OpenSim', 'Video', 'ONNX', 'MeTRAbs', 'Gait', 'Linux', 'PSEdition_Core')
            LicenseUri   = 'https://github.com/monobiomech/MonoBiomech/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/monobiomech/MonoBiomech'
            ReleaseNotes = '0.1.0: Invoke-PersonDetection (per-frame person boxes and the tracked subject), a session cache of stage results (Get-MonoBiomechCache, Clear-MonoBiomechCache), Invoke-BiomechFit (body model fit to 3D keypoints, one subject per video or shared with -SameSubject; writes _fitted_model.npz) and Import-BiomechFit.'
        }
    }
}
