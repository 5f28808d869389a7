using System.Runtime.CompilerServices;

namespace MonoBiomech.Tests;

/// <summary>
/// Finds the team's shared data folder: <c>MONOBIOMECH_SHARED</c> if set, else <c>../shared</c> beside the repository
/// (the repository root is the folder that holds MonoBiomech.slnx).
/// </summary>
public static class SharedData
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    // Initialised after RepositoryRoot, which Locate reads (static initialisers run in declaration order).
    public static string? Directory { get; } = Locate();

    /// <summary>The full path of a file in shared/data; only call it from a test marked <see cref="SharedDataFactAttribute"/>.</summary>
    public static string DataFile(string name) =>
        Path.Combine(Directory ?? throw new InvalidOperationException("../shared is absent"), "data", name);

    private static string? Locate()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("MONOBIOMECH_SHARED");
        if (!string.IsNullOrEmpty(fromEnvironment))
            return System.IO.Directory.Exists(fromEnvironment) ? Path.GetFullPath(fromEnvironment) : null;
        string beside = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));
        return System.IO.Directory.Exists(Path.Combine(beside, "data")) ? beside : null;
    }

    private static string FindRepositoryRoot([CallerFilePath] string thisFile = "")
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(thisFile) ?? "" })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "MonoBiomech.slnx")))
                    return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find the repository root (MonoBiomech.slnx) above " + AppContext.BaseDirectory);
    }
}
