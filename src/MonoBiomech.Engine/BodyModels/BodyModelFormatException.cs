namespace MonoBiomech.Engine.BodyModels;

/// <summary>
/// A body-model file that cannot be read or that asks for something the kinematics cannot honour
/// (free/ball joints, <c>&lt;include&gt;</c>, DTDs, non-zero joint anchors, ...). The message names the file and the element.
/// </summary>
public sealed class BodyModelFormatException : Exception
{
    public BodyModelFormatException(string filePath, string message, Exception? innerException = null)
        : base($"{filePath}: {message}", innerException)
    {
        FilePath = filePath;
    }

    /// <summary>The model file that was rejected.</summary>
    public string FilePath { get; }
}
