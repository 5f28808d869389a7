namespace MonoBiomech.Fitting;

/// <summary>Settings of <see cref="BiomechFitter"/>. Defaults follow upstream's loss (biomech-fit.md §4.2) where it has one.</summary>
public sealed record BiomechFitSettings
{
    /// <summary>Cap on Levenberg-Marquardt iterations of the final robust solve (the initialisation stages use a share of it).</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>Stop when an accepted step lowers the cost by less than this fraction.</summary>
    public double Tolerance { get; init; } = 1e-6;

    /// <summary>Huber threshold of the 3D keypoint term, on the norm of the error in centimetres (upstream: 10).</summary>
    public double Huber3dCentimetres { get; init; } = 10;

    /// <summary>Huber threshold of the reprojection term, on the norm of the error in pixels (paper: 5; upstream code: 50).</summary>
    public double Huber2dPixels { get; init; } = 5;

    /// <summary>Weight of the reprojection term relative to the 3D term (upstream: 0.1).</summary>
    public double Weight2d { get; init; } = 0.1;

    /// <summary>Weight of the L2 prior on the site offsets, in cost per square metre (upstream: 100).</summary>
    public double SiteOffsetPriorWeight { get; init; } = 100;

    /// <summary>Fit the 87x3 body-local site offsets (shared by all videos of the subject).</summary>
    public bool FitSiteOffsets { get; init; } = true;

    /// <summary>All videos show one subject: share body scales and site offsets across them. Otherwise each video is fitted alone.</summary>
    public bool ShareBodyScales { get; init; } = true;

    /// <summary>
    /// Standard deviation of the Gaussian prior on coordinate accelerations, in rad/s² (m/s² × 10 for the pelvis slides),
    /// for keypoints with 1 cm noise; the fit scales the prior by the noise it estimates from each video (clean keypoints
    /// are hardly smoothed, noisy ones more). Smaller is smoother. 50 was chosen on synthetic walking and band-limited
    /// motion (0.3–2.5 Hz) with 20 mm / 3 px noise, 5 % outliers and 3 % missing frames (fit benchmark, sweep mode):
    /// 40 smooths fast motion too much, 90–120 passes more noise.
    /// </summary>
    public double AccelerationSigma { get; init; } = 50;

    /// <summary>Standard deviation of the prior on each body-scale increment β (weak: 0.1 = ±10 %).</summary>
    public double BodyScaleSigma { get; init; } = 0.1;

    /// <summary>Test every frame for a left/right swap of the keypoint labels and undo swaps that fit clearly better.</summary>
    public bool CorrectLeftRightSwaps { get; init; } = true;

    /// <summary>Threads used over frames; 0 = all processors.</summary>
    public int MaxDegreeOfParallelism { get; init; }
}

/// <summary>Progress of a fit: the LM iteration within a stage and the current total cost.</summary>
public sealed record FitProgress(int Iteration, int MaxIterations, double Cost, string Stage);

/// <summary>Summary figures of one fitted video.</summary>
/// <param name="Iterations">LM iterations of all stages.</param>
/// <param name="FinalCost">Total robust cost of the final solve (all videos of the subject).</param>
/// <param name="Mean3dErrorMillimetres">Confidence-weighted mean distance between model sites and 3D keypoints, after removing the per-frame translation.</param>
/// <param name="Mean2dErrorPixels">Confidence-weighted mean reprojection error.</param>
public sealed record FitMetrics(int Iterations, double FinalCost, double Mean3dErrorMillimetres, double Mean2dErrorPixels, TimeSpan Elapsed, bool Converged)
{
    /// <summary>For example "42 iterations, 3D error 12.3 mm, 2D error 1.8 px, 0.52 s, converged".</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Iterations} iterations, 3D error {Mean3dErrorMillimetres:0.#} mm, 2D error {Mean2dErrorPixels:0.#} px, {Elapsed.TotalSeconds:0.##} s, {(Converged ? "converged" : "not converged")}");
}

/// <summary>
/// The fitted model of one video. World frame: z up (gravity-aligned, estimated from the keypoints), x along the camera's
/// x axis projected on the floor, origin on the floor (where the feet stand: the 5th percentile over frames of the lowest foot site less its height above the sole in the model's neutral pose) straight below the camera
/// centre; metres and radians. x_world = <see cref="CameraToWorldRotation"/>·x_camera + <see cref="CameraPositionMetres"/>.
/// Unlike upstream (whose "world" is the camera frame), pelvis angles here are anatomical: an upright subject has list ≈ 0.
/// </summary>
public sealed class BiomechFitResult
{
    public required string Source { get; init; }
    public required double[] TimestampsSeconds { get; init; }
    public required IReadOnlyList<string> CoordinateNames { get; init; }

    /// <summary>[frame, coordinate]: slides in metres, hinges in radians, model order.</summary>
    public required double[] Coordinates { get; init; }

    /// <summary>[frame, coordinate] time derivative of <see cref="Coordinates"/> (m/s, rad/s).</summary>
    public required double[] CoordinateVelocities { get; init; }

    public required IReadOnlyList<string> SiteNames { get; init; }

    /// <summary>[frame, site, xyz] in metres, world frame, site order of <see cref="SiteNames"/>.</summary>
    public required double[] SitePositionsMetres { get; init; }

    public required IReadOnlyList<string> BodyNames { get; init; }

    /// <summary>[frame, body, xyz] body origins (joint centres) in metres, world frame; body 0 is the world.</summary>
    public required double[] BodyPositionsMetres { get; init; }

    public required IReadOnlyList<string> ScaleGroupNames { get; init; }

    /// <summary>β per scale group; body factor = 1 + Σ of its groups' β.</summary>
    public required double[] BodyScales { get; init; }

    /// <summary>[site, xyz] body-local site offsets in metres (not in upstream's npz).</summary>
    public required double[] SiteOffsetsMetres { get; init; }

    /// <summary>Row-major 3x3 R with x_world = R · x_camera (camera: x right, y down, z forward).</summary>
    public required double[] CameraToWorldRotation { get; init; }

    /// <summary>The camera centre in the world frame, metres: (0, 0, camera height above the floor).</summary>
    public double[] CameraPositionMetres { get; init; } = new double[3];

    public required FitMetrics Metrics { get; init; }

    /// <summary>Frames whose left/right keypoint labels were found swapped and corrected before the fit.</summary>
    public int SwappedFrames { get; init; }

    public int FrameCount => TimestampsSeconds.Length;

    /// <summary>For example "walk_keypoints.npz: 300 frames, 3D error 12.3 mm, 2D error 1.8 px".</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Path.GetFileName(Source)}: {FrameCount} frames, 3D error {Metrics.Mean3dErrorMillimetres:0.#} mm, 2D error {Metrics.Mean2dErrorPixels:0.#} px");
}
