using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Xml.Linq;
using MonoBiomech.Tests;

namespace MonoBiomech.Engine.Tests.BodyModels;

/// <summary>
/// MuJoCo 2.2.2 itself as the reference: Oracle/mujoco_fk_oracle.c is compiled with gcc against libmujoco into a temp
/// folder and driven through stdin/stdout. Needs gcc and libmujoco-dev (CI installs both).
/// </summary>
internal sealed class MujocoOracle : IDisposable
{
    private static readonly Lazy<string?> MissingReason = new(FindMissing);
    private readonly string folder;
    private readonly string executable;

    public MujocoOracle()
    {
        folder = Directory.CreateTempSubdirectory("monobiomech-mujoco-").FullName;
        executable = Path.Combine(folder, "mujoco_fk_oracle");
        string source = Path.Combine(SharedData.RepositoryRoot, "tests", "MonoBiomech.Engine.Tests", "BodyModels", "Oracle", "mujoco_fk_oracle.c");
        (int code, string output) = Run("gcc", ["-O1", "-o", executable, source, "-lmujoco"], "");
        if (code != 0) throw new InvalidOperationException("gcc failed to build the MuJoCo oracle:\n" + output);
    }

    /// <summary>Why the oracle cannot run here (null when gcc and libmujoco-dev are present).</summary>
    public static string? Unavailable => MissingReason.Value;

    /// <summary>
    /// Body and site positions MuJoCo computes for each case (β, qpos), after stripping what MuJoCo 2.2.2 cannot load
    /// (missing meshes, option attributes of later versions) on a temp copy of the model.
    /// </summary>
    public (double[] Bodies, double[] Sites)[] Evaluate(string modelPath, IReadOnlyList<(double[] Beta, double[] Coordinates)> cases)
    {
        string copy = Path.Combine(folder, Path.GetFileName(modelPath));
        WriteLoadableCopy(modelPath, copy);
        var input = new StringBuilder().AppendLine(cases.Count.ToString(CultureInfo.InvariantCulture));
        foreach ((double[] beta, double[] q) in cases)
            input.AppendLine(string.Join(' ', beta.Concat(q).Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        (int code, string output) = Run(executable, [copy], input.ToString());
        if (code != 0) throw new InvalidOperationException($"The MuJoCo oracle failed on {modelPath}:\n{output}");

        string[] tokens = output.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        int nbody = int.Parse(tokens[0], CultureInfo.InvariantCulture), nsite = int.Parse(tokens[2], CultureInfo.InvariantCulture);
        var results = new (double[], double[])[cases.Count];
        int t = 4;
        for (int c = 0; c < cases.Count; c++)
        {
            double[] bodies = new double[nbody * 3], sites = new double[nsite * 3];
            for (int i = 0; i < bodies.Length; i++) bodies[i] = double.Parse(tokens[t++], CultureInfo.InvariantCulture);
            for (int i = 0; i < sites.Length; i++) sites[i] = double.Parse(tokens[t++], CultureInfo.InvariantCulture);
            results[c] = (bodies, sites);
        }
        return results;
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static void WriteLoadableCopy(string source, string target)
    {
        XDocument document = XDocument.Load(source);
        document.Descendants("mesh").ToList().ForEach(e => e.Remove());
        document.Descendants("geom").Where(g => g.Attribute("mesh") is not null).ToList().ForEach(e => e.Remove());
        foreach (XElement element in document.Descendants())
        {
            element.Attribute("ls_iterations")?.Remove();
            element.Attribute("eulerdamp")?.Remove();
        }
        document.Save(target);
    }

    private static string? FindMissing()
    {
        if (!File.Exists("/usr/include/mujoco/mujoco.h"))
            return "MuJoCo headers (/usr/include/mujoco/mujoco.h) are absent; install libmujoco-dev to run the MuJoCo oracle tests.";
        try
        {
            (int code, _) = Run("gcc", ["--version"], "");
            return code == 0 ? null : "gcc does not run; it is needed to build the MuJoCo oracle.";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "gcc is absent; it is needed to build the MuJoCo oracle.";
        }
    }

    private static (int ExitCode, string Output) Run(string file, string[] arguments, string input)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish within 60 s.");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}

/// <summary>A theory that needs ../shared, gcc and libmujoco-dev; skipped with a visible reason otherwise.</summary>
public sealed class MujocoOracleTheoryAttribute : TheoryAttribute
{
    public MujocoOracleTheoryAttribute()
    {
        if (SharedData.Directory is null)
            Skip = "../shared (the team's shared data) is absent beside the repository; set MONOBIOMECH_SHARED to run this test.";
        else if (MujocoOracle.Unavailable is { } reason)
            Skip = reason;
    }
}
