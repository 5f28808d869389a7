using System.Globalization;

namespace MonoBiomech.Detection;

/// <summary>The persons found in one frame.</summary>
/// <param name="Detected">True when the detector ran on this frame; false when the boxes were carried by the visual tracker.</param>
public sealed record FramePersons(int FrameIndex, double TimestampSeconds, IReadOnlyList<PersonBox> Boxes, bool Detected = true)
{
    /// <summary>For example "frame 10 at 0.333 s: 2 persons, detected".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"frame {FrameIndex} at {TimestampSeconds:0.###} s: {Boxes.Count} {(Boxes.Count == 1 ? "person" : "persons")}, {(Detected ? "detected" : "tracked")}");
}
