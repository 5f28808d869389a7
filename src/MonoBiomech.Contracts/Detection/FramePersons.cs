namespace MonoBiomech.Detection;

/// <summary>The persons found in one frame.</summary>
/// <param name="Detected">True when the detector ran on this frame; false when the boxes were carried by the visual tracker.</param>
public sealed record FramePersons(int FrameIndex, double TimestampSeconds, IReadOnlyList<PersonBox> Boxes, bool Detected = true);
