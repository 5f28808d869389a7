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
    public (double[] Bodies, double[] Sites)[] Evaluate(string modelPath, IReadOnlyList<(double[] Beta, double[] Coordinates)> cases) =>
        Evaluate(modelPath, [], cases).Poses.Select(p => (p.BodyPositionsMetres, p.SitePositionsMetres)).ToArray();

    /// <summary>
    /// The model as MuJoCo compiles it and, per case (β in the oracle's group order, qpos), body positions and rotations
    /// and site positions. <paramref name="extraSites"/> are added to the temp copy first
    /// (e.g. a keypoint set's placements). Look sites up by name: MuJoCo numbers sites in body order, so added sites sit
    /// among the model's own.
    /// </summary>
    public MujocoEvaluation Evaluate(string modelPath, IReadOnlyList<SitePlacement> extraSites,
        IReadOnlyList<(double[] Beta, double[] Coordinates)> cases)
    {
        string copy = Path.Combine(folder, Path.GetFileName(modelPath));
        WriteLoadableCopy(modelPath, copy, extraSites);
        var input = new StringBuilder().AppendLine(cases.Count.ToString(CultureInfo.InvariantCulture));
        foreach ((double[] beta, double[] q) in cases)
            input.AppendLine(string.Join(' ', beta.Concat(q).Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        (int code, string output) = Run(executable, [copy], input.ToString());
        if (code != 0) throw new InvalidOperationException($"The MuJoCo oracle failed on {modelPath}:\n{output}");

        string[] lines = output.Split('\n');
        int[] counts = lines[0].Split(' ').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        int nbody = counts[0], nq = counts[1], nsite = counts[2], ngroup = counts[3], line = 1;
        string[] Fields() => lines[line++].Split(' ');
        var bodies = Enumerable.Range(0, nbody).Select(_ => Fields()).ToArray();
        var joints = Enumerable.Range(0, nq).Select(_ => Fields()).Select(f => new MujocoJoint(f[5], f[1] == "1", f[2] == "1",
            double.Parse(f[3], CultureInfo.InvariantCulture), double.Parse(f[4], CultureInfo.InvariantCulture))).ToArray();
        var sites = Enumerable.Range(0, nsite).Select(_ => Fields()).ToArray();
        var groups = Enumerable.Range(0, ngroup).Select(_ => Fields())
            .Select(f => new MujocoScaleGroup(f[1], f.Skip(3).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray())).ToArray();
        var description = new MujocoModelDescription(bodies.Select(f => f[2]).ToArray(), bodies.Select(f => int.Parse(f[1], CultureInfo.InvariantCulture)).ToArray(),
            joints, sites.Select(f => f[2]).ToArray(), sites.Select(f => int.Parse(f[1], CultureInfo.InvariantCulture)).ToArray(), groups);

        var poses = new MujocoPose[cases.Count];
        for (int c = 0; c < cases.Count; c++)
        {
            double[] Read(int count)
            {
                var values = new double[count];
                for (int i = 0; i < count; i++) values[i] = double.Parse(lines[line++], CultureInfo.InvariantCulture);
                return values;
            }
            double[] bodyPositions = Read(nbody * 3), sitePositions = Read(nsite * 3);
            poses[c] = new MujocoPose(bodyPositions, Read(nbody * 9), sitePositions);
        }
        return new MujocoEvaluation(description, poses);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static void WriteLoadableCopy(string source, string target, IReadOnlyList<SitePlacement> extraSites)
    {
        XDocument document = XDocument.Load(source);
        var siteNames = document.Descendants("site").Select(e => (string?)e.Attribute("name")).ToHashSet();
        foreach (SitePlacement placement in extraSites)
        {
            XElement body = document.Descendants("body").SingleOrDefault(e => (string?)e.Attribute("name") == placement.Body)
                ?? throw new ArgumentException($"Site '{placement.Name}': {source} has no body '{placement.Body}'.", nameof(extraSites));
            if (!siteNames.Add(placement.Name)) throw new ArgumentException($"Site '{placement.Name}' is already in {source}.", nameof(extraSites));
            string position = string.Join(' ', placement.PositionMetres.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            body.Add(new XElement("site", new XAttribute("name", placement.Name), new XAttribute("pos", position)));
        }
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

/// <summary>A site to add to a model: its name, the body it is fixed to, and its position in that body's frame (metres, unscaled).</summary>
internal sealed record SitePlacement(string Name, string Body, double[] PositionMetres)
{
    public double[] PositionMetres { get; } = PositionMetres.Length == 3 ? PositionMetres : throw new ArgumentException("A site position has 3 values.", nameof(PositionMetres));
}

/// <summary>A MuJoCo joint (one qpos): limits in metres or radians as MuJoCo holds them.</summary>
internal sealed record MujocoJoint(string Name, bool IsSlide, bool IsLimited, double LowerLimit, double UpperLimit);

/// <summary>A scale group as the oracle applies it: β of the group adds to the factor of each member body (MuJoCo body ids).</summary>
internal sealed record MujocoScaleGroup(string Name, int[] Bodies);

/// <summary>The compiled model: bodies (world first) with parent ids, joints in qpos order, sites with their body ids, scale groups in β order.</summary>
internal sealed record MujocoModelDescription(string[] BodyNames, int[] BodyParents, MujocoJoint[] Joints, string[] SiteNames, int[] SiteBodies,
    MujocoScaleGroup[] ScaleGroups)
{
    /// <summary>1 + Σβ of the body's groups.</summary>
    public double ScaleFactor(int body, IReadOnlyList<double> beta) =>
        1 + Enumerable.Range(0, ScaleGroups.Length).Where(g => ScaleGroups[g].Bodies.Contains(body)).Sum(g => beta[g]);

    public int JointIndex(string name) => Array.FindIndex(Joints, j => j.Name == name) is int i and >= 0 ? i : throw new KeyNotFoundException($"No joint '{name}'.");

    public int SiteIndex(string name) => Array.IndexOf(SiteNames, name) is int i and >= 0 ? i : throw new KeyNotFoundException($"No site '{name}'.");

    public int BodyIndex(string name) => Array.IndexOf(BodyNames, name) is int i and >= 0 ? i : throw new KeyNotFoundException($"No body '{name}'.");
}

/// <summary>MuJoCo's kinematics of one case: [body, xyz] and [site, xyz] world positions in metres, [body, 3x3 row-major] world-from-body rotations.</summary>
internal sealed record MujocoPose(double[] BodyPositionsMetres, double[] BodyRotations, double[] SitePositionsMetres);

internal sealed record MujocoEvaluation(MujocoModelDescription Model, MujocoPose[] Poses);
