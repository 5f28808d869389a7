namespace MonoBiomech.Engine.Fitting;

/// <summary>The per-video unknowns of the fit (what the solver changes; the problem it fits stays fixed).</summary>
internal sealed class VideoFitState
{
    public VideoFitState(int frameCount, int coordinateCount)
    {
        FrameCount = frameCount;
        CoordinateCount = coordinateCount;
        Coordinates = new double[frameCount * coordinateCount];
        KeypointOffsetsMetres = new double[frameCount * 3];
    }

    public int FrameCount { get; }
    public int CoordinateCount { get; }

    /// <summary>[frame, coordinate] model coordinates q: radians for hinges, metres for slides, model (qpos) order.</summary>
    public double[] Coordinates { get; }

    /// <summary>
    /// [frame, xyz] τ, camera frame, metres: the offset common to all 3D keypoints of a frame. Monocular 3D keypoints are
    /// good in shape but not in absolute position (depth jitters along the viewing ray), so the 3D goal fits the model up
    /// to τ and the absolute path comes from the 2D keypoints, the camera and the motion prior.
    /// </summary>
    public double[] KeypointOffsetsMetres { get; }

    public void CopyTo(VideoFitState other)
    {
        Array.Copy(Coordinates, other.Coordinates, Coordinates.Length);
        Array.Copy(KeypointOffsetsMetres, other.KeypointOffsetsMetres, KeypointOffsetsMetres.Length);
    }
}

/// <summary>All unknowns of one subject: per-video trajectories plus the body shared by the subject's videos.</summary>
internal sealed class SubjectFitState
{
    public SubjectFitState(int scaleGroupCount, int siteCount, IEnumerable<VideoFitState> videos)
    {
        ScaleIncrements = new double[scaleGroupCount];
        SiteOffsetsMetres = new double[siteCount * 3];
        Videos = videos.ToArray();
    }

    /// <summary>[scale group] β: a body's scale factor is 1 + Σ β of its groups (dimensionless).</summary>
    public double[] ScaleIncrements { get; }

    /// <summary>[site, xyz] Δ, body frame, metres: where the keypoints sit relative to the model's site positions.</summary>
    public double[] SiteOffsetsMetres { get; }

    public VideoFitState[] Videos { get; }

    public SubjectFitState Clone()
    {
        var copy = new SubjectFitState(ScaleIncrements.Length, SiteOffsetsMetres.Length / 3,
            Videos.Select(v => new VideoFitState(v.FrameCount, v.CoordinateCount)));
        CopyTo(copy);
        return copy;
    }

    public void CopyTo(SubjectFitState other)
    {
        Array.Copy(ScaleIncrements, other.ScaleIncrements, ScaleIncrements.Length);
        Array.Copy(SiteOffsetsMetres, other.SiteOffsetsMetres, SiteOffsetsMetres.Length);
        for (int v = 0; v < Videos.Length; v++) Videos[v].CopyTo(other.Videos[v]);
    }
}
