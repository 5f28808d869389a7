namespace MonoBiomech.Detection;

/// <summary>One person followed over time: the frames it was seen in and its box there.</summary>
public sealed class PersonTrack
{
    internal PersonTrack(int id, IReadOnlyList<int> frameIndices, IReadOnlyList<PersonBox> boxes)
    {
        Id = id;
        FrameIndices = frameIndices;
        Boxes = boxes;
    }

    public int Id { get; }

    /// <summary>Frames the track was observed in, ascending.</summary>
    public IReadOnlyList<int> FrameIndices { get; }

    /// <summary>The observed box in each of <see cref="FrameIndices"/>.</summary>
    public IReadOnlyList<PersonBox> Boxes { get; }

    public int FirstFrame => FrameIndices[0];
    public int LastFrame => FrameIndices[^1];

    /// <summary>For example "track 3: frames 10-250, seen in 200".</summary>
    public override string ToString() => $"track {Id}: frames {FirstFrame}-{LastFrame}, seen in {FrameIndices.Count}";
}
