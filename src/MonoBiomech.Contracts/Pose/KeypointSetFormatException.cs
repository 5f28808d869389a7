namespace MonoBiomech.Pose;

/// <summary>
/// A keypoint-set file (see <see cref="KeypointSet"/> for the format) is not valid: bad JSON, a missing or mistyped
/// field, an unknown property, a non-finite number, a duplicate name, or a mirror pair that is unknown or one-sided.
/// The message starts with the source (file) name and, where known, the line.
/// </summary>
public sealed class KeypointSetFormatException : FormatException
{
    public KeypointSetFormatException(string sourceName, long? lineNumber, string reason, Exception? innerException = null)
        : base(Compose(sourceName, lineNumber, reason), innerException)
    {
        SourceName = sourceName;
        LineNumber = lineNumber;
        Reason = reason;
    }

    /// <summary>The file path given to <see cref="KeypointSet.Load"/>, or the source name given to <see cref="KeypointSet.Parse"/>.</summary>
    public string SourceName { get; }

    /// <summary>The 1-based line of the problem, or null when it concerns the whole file.</summary>
    public long? LineNumber { get; }

    /// <summary>What is wrong, without the source name and line.</summary>
    public string Reason { get; }

    private static string Compose(string sourceName, long? lineNumber, string reason) =>
        lineNumber is { } line ? $"{sourceName}, line {line}: {reason}" : $"{sourceName}: {reason}";
}
