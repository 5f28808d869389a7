using MonoBiomech.Pose;

namespace MonoBiomech.Fitting;

/// <summary>Settings of the biomechanical fit. Defaults follow upstream's loss where it has one.</summary>
public sealed record BiomechFitSettings
{
    /// <summary>Cap on Levenberg-Marquardt iterations of the final robust solve (the initialisation stages use a share of it).</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>Converged when an accepted step lowers the cost by less than this fraction of it (dimensionless).</summary>
    public double RelativeCostTolerance { get; init; } = 1e-6;

    /// <summary>Huber threshold of the 3D keypoint term, on the norm of the error in centimetres (upstream: 10).</summary>
    public double Huber3dCentimetres { get; init; } = 10;

    /// <summary>Huber threshold of the reprojection term, on the norm of the error in pixels (paper: 5; upstream code: 50).</summary>
    public double Huber2dPixels { get; init; } = 5;

    /// <summary>
    /// Weight of the reprojection term relative to the 3D term (upstream: 0.1). Null (the default): from the noise of
    /// each video's 3D and 2D keypoints, estimated from the data, so the more precise of the two counts more.
    /// </summary>
    public double? Weight2d { get; init; }

    /// <summary>Weight of the L2 prior on the site offsets, in cost per square metre (upstream: 100).</summary>
    public double SiteOffsetPriorWeight { get; init; } = 100;

    /// <summary>Fit the 87x3 body-local site offsets (shared by all videos of the subject).</summary>
    public bool FitSiteOffsets { get; init; } = true;

    /// <summary>All videos show one subject: share body scales and site offsets across them. Otherwise each video is fitted alone.</summary>
    public bool ShareBodyScales { get; init; } = true;

    /// <summary>
    /// Standard deviation of the Gaussian prior on joint-angle accelerations, rad/s², for keypoints with 1 cm noise; the
    /// fit scales the prior by the noise it estimates from each video (clean keypoints are hardly smoothed, noisy ones
    /// more). Smaller is smoother. With <see cref="AdaptMotionPrior"/> this is the floor of each coordinate's σ.
    /// </summary>
    public double RotationAccelerationSigmaRadiansPerSecondSquared { get; init; } = 35;

    /// <summary>Standard deviation of the prior on the root translation's acceleration, m/s², for keypoints with 1 cm noise.</summary>
    public double TranslationAccelerationSigmaMetresPerSecondSquared { get; init; } = 3.5;

    /// <summary>
    /// After the robust fit, loosen each coordinate's acceleration prior to a multiple of the acceleration the fit found,
    /// and solve again: fast motion (running, jumping) is then not flattened, while slow motion keeps its smoothing.
    /// </summary>
    public bool AdaptMotionPrior { get; init; } = true;

    /// <summary>Standard deviation of the prior on each body-scale increment β (weak: 0.1 = ±10 %).</summary>
    public double BodyScaleSigma { get; init; } = 0.1;

    /// <summary>Test every frame for a left/right swap of the keypoint labels and undo swaps that fit clearly better.</summary>
    public bool CorrectLeftRightSwaps { get; init; } = true;

    /// <summary>Threads used over frames; 0 = all processors.</summary>
    public int MaxDegreeOfParallelism { get; init; }
}

/// <summary>Progress of a fit: the iteration within a stage and the current total cost.</summary>
/// <param name="Cost">The stage's total cost (data terms normalised by each video's summed keypoint weights, plus priors).</param>
public sealed record FitProgress(int Iteration, int MaxIterations, double Cost, string Stage);

/// <summary>Why the solver stopped (as MathNet's ExitCondition).</summary>
public enum FitExitReason
{
    /// <summary>An accepted step lowered the cost by less than the relative tolerance: a minimum.</summary>
    Converged,
    /// <summary>The iteration cap was reached while the cost was still falling.</summary>
    IterationLimit,
    /// <summary>No step lowered the cost, even with the largest damping tried: stuck, not converged.</summary>
    NoFurtherProgress,
    /// <summary>Stopped by the caller.</summary>
    Cancelled,
}

/// <summary>What a fitted coordinate is: a rotation (radians inside, degrees on request) or a translation (metres).</summary>
public enum CoordinateKind
{
    Rotation,
    Translation,
}

/// <summary>The unit a rotation's series is returned in.</summary>
public enum AngleUnit
{
    Radians,
    Degrees,
}

/// <summary>One model coordinate of a fit, in the model's order (OpenSim's coordinate names).</summary>
public sealed record FitCoordinate(string Name, CoordinateKind Kind)
{
    /// <summary>The unit of <see cref="BiomechFitResult.CoordinateValues"/> for this coordinate: "rad" or "m".</summary>
    public string Unit => Kind == CoordinateKind.Rotation ? "rad" : "m";

    public override string ToString() => $"{Name} ({Unit})";
}

/// <summary>How far the fitted model is from one keypoint over the video (OpenSim IK's marker errors).</summary>
/// <param name="Mean3dErrorMillimetres">Weighted mean 3D distance after the frame's common offset; NaN when never observed in 3D.</param>
/// <param name="Mean2dErrorPixels">Weighted mean reprojection error; NaN when never observed in 2D.</param>
public sealed record KeypointResidual(string Keypoint, double Mean3dErrorMillimetres, double Mean2dErrorPixels)
{
    public override string ToString() => FormattableString.Invariant($"{Keypoint}: {Mean3dErrorMillimetres:F1} mm, {Mean2dErrorPixels:F1} px");
}

/// <summary>Summary figures of one fitted video.</summary>
/// <param name="Iterations">Iterations of the robust stages (with the 2D keypoints, scales and site offsets; the adapted motion prior's included).</param>
/// <param name="PoseStageIterations">Iterations of the first stage (pose from the 3D shape).</param>
/// <param name="FinalCost">The final stage's total cost for all videos of the subject (see <see cref="FitProgress.Cost"/>).</param>
/// <param name="Mean3dErrorMillimetres">Weighted mean distance between model sites and 3D keypoints, after each frame's common offset.</param>
/// <param name="Mean2dErrorPixels">Weighted mean reprojection error.</param>
/// <param name="Elapsed">Time of the subject's whole fit.</param>
/// <param name="ExitReason">Why the final stage stopped.</param>
public sealed record FitMetrics(int Iterations, int PoseStageIterations, double FinalCost, double Mean3dErrorMillimetres, double Mean2dErrorPixels,
    TimeSpan Elapsed, FitExitReason ExitReason)
{
    public bool Converged => ExitReason == FitExitReason.Converged;

    /// <summary>For example "42 iterations, 3D error 12.3 mm, 2D error 1.8 px, 0.52 s, Converged".</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Iterations} iterations, 3D error {Mean3dErrorMillimetres:0.#} mm, 2D error {Mean2dErrorPixels:0.#} px, {Elapsed.TotalSeconds:0.##} s, {ExitReason}");
}

/// <summary>
/// The fitted model of one video. World frame: z up (gravity-aligned, estimated from the keypoints), x along the camera's
/// x axis projected on the floor, origin on the floor straight below the camera centre; metres and radians.
/// x_world = <see cref="CameraToWorldRotation"/>·x_camera + <see cref="CameraPositionMetres"/>. Unlike upstream (whose
/// "world" is the camera frame), pelvis angles are anatomical: an upright subject has list ≈ 0. Every array is read-only,
/// so a result handed out by the session cache cannot be changed under it.
/// </summary>
public sealed class BiomechFitResult
{
    private IReadOnlyDictionary<string, int>? coordinateIndex;
    private IReadOnlyList<string>? coordinateNames;

    /// <summary>The video (or keypoint file) fitted.</summary>
    public required string Source { get; init; }

    /// <summary>[frame] seconds from the start of the video.</summary>
    public required IReadOnlyList<double> TimestampsSeconds { get; init; }

    /// <summary>The model's coordinates, in model order: name, kind, unit.</summary>
    public required IReadOnlyList<FitCoordinate> Coordinates { get; init; }

    /// <summary>[frame, coordinate] values, model order: rotations in radians, translations in metres. See <see cref="Coordinate"/>.</summary>
    public required IReadOnlyList<double> CoordinateValues { get; init; }

    /// <summary>[frame, coordinate] time derivative of <see cref="CoordinateValues"/> (rad/s, m/s).</summary>
    public required IReadOnlyList<double> CoordinateVelocities { get; init; }

    public required IReadOnlyList<string> SiteNames { get; init; }

    /// <summary>[frame, site, xyz] in metres, world frame, site order of <see cref="SiteNames"/>.</summary>
    public required IReadOnlyList<double> SitePositionsMetres { get; init; }

    public required IReadOnlyList<string> BodyNames { get; init; }

    /// <summary>[frame, body, xyz] body origins (joint centres) in metres, world frame; body 0 is the world.</summary>
    public required IReadOnlyList<double> BodyPositionsMetres { get; init; }

    public required IReadOnlyList<string> ScaleGroupNames { get; init; }

    /// <summary>[scale group] β: a body's scale factor is 1 + Σ β of its groups.</summary>
    public required IReadOnlyList<double> ScaleIncrements { get; init; }

    /// <summary>[site, xyz] body-local offsets of the fitted sites from the model's, metres (not in upstream's npz).</summary>
    public required IReadOnlyList<double> SiteOffsetsMetres { get; init; }

    /// <summary>Row-major 3x3 R with x_world = R · x_camera (camera: x right, y down, z forward).</summary>
    public required IReadOnlyList<double> CameraToWorldRotation { get; init; }

    /// <summary>The camera centre in the world frame, metres: (0, 0, camera height above the floor).</summary>
    public required IReadOnlyList<double> CameraPositionMetres { get; init; }

    /// <summary>The camera the keypoints were fitted with; null for a file that does not store it (upstream's).</summary>
    public CameraIntrinsics? Camera { get; init; }

    /// <summary>The body model's name (MJCF model attribute) and file; null where a file does not say.</summary>
    public string? BodyModelName { get; init; }

    public string? BodyModelPath { get; init; }

    /// <summary>The keypoint set fitted (e.g. bml_movi_87); null when unknown.</summary>
    public string? KeypointSetName { get; init; }

    /// <summary>The settings the fit ran with; null for an imported file.</summary>
    public BiomechFitSettings? Settings { get; init; }

    /// <summary>Summary figures; null for a file that does not store them (upstream's).</summary>
    public FitMetrics? Metrics { get; init; }

    /// <summary>Per keypoint of the input: how far the fitted model is from it. Empty for an imported file.</summary>
    public IReadOnlyList<KeypointResidual> KeypointResiduals { get; init; } = Array.Empty<KeypointResidual>();

    /// <summary>Frames whose left/right keypoint labels were found swapped and corrected before the fit.</summary>
    public int SwappedFrames { get; init; }

    /// <summary>The input's keypoint names, in its order. Empty for an imported file.</summary>
    public IReadOnlyList<string> KeypointNames { get; init; } = Array.Empty<string>();

    /// <summary>
    /// [frame, keypoint, xyz] the input's 3D keypoints in the world frame, metres, where the fit put them: each frame's
    /// fitted offset τ removed, so body-relative keypoints (BlazePose) get the absolute place the fit found. NaN where a
    /// keypoint was not used (not seen, an outlier). Empty for an imported file.
    /// </summary>
    public IReadOnlyList<double> KeypointPositionsMetres { get; init; } = Array.Empty<double>();

    public int FrameCount => TimestampsSeconds.Count;

    /// <summary>The coordinates' names, in model order (made once: scripts and exporters read it in loops).</summary>
    public IReadOnlyList<string> CoordinateNames => coordinateNames ??= Array.AsReadOnly(Coordinates.Select(c => c.Name).ToArray());

    /// <summary>The per-frame series of one coordinate; rotations in <paramref name="unit"/>, translations in metres.</summary>
    /// <exception cref="ArgumentException">The model has no coordinate of that name.</exception>
    public double[] Coordinate(string name, AngleUnit unit = AngleUnit.Radians) => Series(CoordinateValues, name, unit);

    /// <summary>The per-frame velocity of one coordinate; rotations in <paramref name="unit"/>/s, translations in m/s.</summary>
    public double[] CoordinateVelocity(string name, AngleUnit unit = AngleUnit.Radians) => Series(CoordinateVelocities, name, unit);

    /// <summary>The index of a coordinate in <see cref="Coordinates"/>, or −1.</summary>
    public int IndexOfCoordinate(string name)
    {
        coordinateIndex ??= Coordinates.Select((c, i) => (c.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
        return coordinateIndex.TryGetValue(name, out int index) ? index : -1;
    }

    public override string ToString()
    {
        string name = Source.Replace('\\', '/').Split('/')[^1];
        return Metrics is null ? $"{name}: {FrameCount} frames" : string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{name}: {FrameCount} frames, 3D error {Metrics.Mean3dErrorMillimetres:0.#} mm, 2D error {Metrics.Mean2dErrorPixels:0.#} px");
    }

    private double[] Series(IReadOnlyList<double> values, string name, AngleUnit unit)
    {
        int index = IndexOfCoordinate(name);
        if (index < 0)
            throw new ArgumentException($"The fit of '{Source}' has no coordinate '{name}'; it has: {string.Join(", ", CoordinateNames)}.", nameof(name));
        int n = Coordinates.Count;
        double factor = unit == AngleUnit.Degrees && Coordinates[index].Kind == CoordinateKind.Rotation ? 180 / Math.PI : 1;
        var series = new double[FrameCount];
        for (int t = 0; t < series.Length; t++) series[t] = values[t * n + index] * factor;
        return series;
    }
}
