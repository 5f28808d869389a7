namespace MonoBiomech.Fitting;

/// <summary>Why the fit rejected one input (a keypoint sequence) before solving anything.</summary>
public enum FitInputProblem
{
    /// <summary>Fewer than 3 frames: no velocity or acceleration can be estimated.</summary>
    TooFewFrames,
    /// <summary>Fewer than 10 keypoint names match sites of the body model (another skeleton, or another model).</summary>
    TooFewMatchingKeypoints,
    /// <summary>Every keypoint of every frame has confidence 0 (no person was found anywhere).</summary>
    NoConfidentKeypoints,
    /// <summary>No frame shows the 3 pelvis keypoints the body is placed by.</summary>
    CannotPlaceBody,
}

/// <summary>The files a fit can be exported to (Export-BiomechFit -Format).</summary>
public enum FitExportFormat
{
    /// <summary>OpenSim 4 motion file (&lt;name&gt;.mot): coordinates, rotations in degrees, translations in metres.</summary>
    Mot,
    /// <summary>OpenSim marker file (&lt;name&gt;_markers.trc): the fitted sites in millimetres, y up.</summary>
    Trc,
    /// <summary>OpenSim marker file of the input's 3D keypoints where the fit put them (&lt;name&gt;_keypoints.trc), millimetres, y up.</summary>
    KeypointTrc,
    /// <summary>A tidy table (&lt;name&gt;_coordinates.csv): one row per frame, one column per coordinate, units in the header.</summary>
    Csv,
    /// <summary>&lt;name&gt;_fit.json: coordinates by name with units, scales, camera, metrics.</summary>
    Json,
    /// <summary>Upstream's &lt;name&gt;_fitted_model.npz.</summary>
    Npz,
    /// <summary>&lt;name&gt;_joint_angles.png: chosen joint angles over time.</summary>
    Plot,
}
