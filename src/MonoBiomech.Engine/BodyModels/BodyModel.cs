using MonoBiomech.Fitting;
using MonoBiomech.Pose;

namespace MonoBiomech.Engine.BodyModels;

/// <summary>
/// An immutable kinematic tree (MuJoCo's mjModel, reduced to what kinematics needs): bodies in parent-before-child
/// order with the world at index 0, scalar coordinates in qpos order, keypoint sites and isotropic scale groups.
/// Evaluate it with <see cref="Kinematics"/> into a caller-owned <see cref="KinematicsWorkspace"/>; one model can be shared
/// by many threads, each with its own workspace.
/// </summary>
public sealed class BodyModel
{
    private readonly Dictionary<string, int> siteByName;
    private readonly Dictionary<string, int> coordinateByName;
    private readonly Dictionary<string, int> bodyByName;

    // Flat topology the kinematics loops read (see Kinematics); precomputed once so evaluation allocates nothing.
    internal readonly int[] BodyParent;
    internal readonly double[] BodyOffsetMetres;        // [nbody*3], unscaled, parent frame
    internal readonly double[] BodyRotationInParent;    // [nbody*9], row-major
    internal readonly bool[] BodyHasRotation;
    internal readonly int[] BodyFirstCoordinate;        // coordinates of a body are contiguous in qpos order
    internal readonly int[] BodyCoordinateCount;
    internal readonly bool[] CoordinateIsSlide;
    internal readonly double[] CoordinateAxis;          // [ncoord*3], unit, body frame
    internal readonly int[] SiteBody;
    internal readonly double[] SiteOffsetMetres;        // [nsite*3], unscaled, body frame
    internal readonly int[] BodyGroupStart;             // groups of body b: BodyGroups[BodyGroupStart[b]..BodyGroupStart[b+1]]
    internal readonly int[] BodyGroups;
    internal readonly int[] SiteCoordinateStart;        // coordinates moving site j: SiteCoordinates[SiteCoordinateStart[j]..[j+1]]
    internal readonly int[] SiteCoordinates;
    internal readonly int[] SitePathStart;              // non-world bodies on the path to site j, with the unscaled lever each scale multiplies
    internal readonly int[] SitePathBody;
    internal readonly double[] SitePathLeverMetres;     // [pathEntries*3]: child body offset, or the site position for the site's own body

    internal BodyModel(string name, string sourcePath, IReadOnlyList<BodyDefinition> bodies,
        IReadOnlyList<CoordinateDefinition> coordinates, IReadOnlyList<SiteDefinition> sites,
        IReadOnlyList<ScaleGroupDefinition> scaleGroups)
    {
        Name = name;
        SourcePath = sourcePath;
        Bodies = bodies;
        Coordinates = coordinates;
        Sites = sites;
        ScaleGroups = scaleGroups;
        ValidateTopology();

        bodyByName = IndexByName(bodies.Select(b => b.Name));
        coordinateByName = IndexByName(coordinates.Select(c => c.Name));
        siteByName = IndexByName(sites.Select(s => s.Name));

        int nb = bodies.Count, nq = coordinates.Count, ns = sites.Count;
        BodyParent = new int[nb];
        BodyOffsetMetres = new double[nb * 3];
        BodyRotationInParent = new double[nb * 9];
        BodyHasRotation = new bool[nb];
        BodyFirstCoordinate = new int[nb];
        BodyCoordinateCount = new int[nb];
        for (int b = 0; b < nb; b++)
        {
            BodyDefinition body = bodies[b];
            BodyParent[b] = body.ParentIndex;
            SetVector(BodyOffsetMetres, b, body.PositionInParentMetres);
            RotationMath.QuaternionToMatrix(body.OrientationInParent, BodyRotationInParent.AsSpan(b * 9, 9));
            BodyHasRotation[b] = body.OrientationInParent != QuaternionD.Identity;
            BodyFirstCoordinate[b] = nq;
        }
        CoordinateIsSlide = new bool[nq];
        CoordinateAxis = new double[nq * 3];
        for (int k = nq - 1; k >= 0; k--)
        {
            CoordinateDefinition c = coordinates[k];
            CoordinateIsSlide[k] = c.Kind == CoordinateKind.Translation;
            SetVector(CoordinateAxis, k, c.AxisInBody);
            BodyFirstCoordinate[c.BodyIndex] = k;
            BodyCoordinateCount[c.BodyIndex]++;
        }

        SiteBody = new int[ns];
        SiteOffsetMetres = new double[ns * 3];
        for (int j = 0; j < ns; j++)
        {
            SiteBody[j] = sites[j].BodyIndex;
            SetVector(SiteOffsetMetres, j, sites[j].PositionInBodyMetres);
        }

        var groupsOfBody = new List<int>[nb];
        for (int b = 0; b < nb; b++) groupsOfBody[b] = new List<int>();
        for (int g = 0; g < scaleGroups.Count; g++)
            foreach (int b in scaleGroups[g].BodyIndices)
                groupsOfBody[b].Add(g);
        (BodyGroupStart, BodyGroups) = Flatten(groupsOfBody);

        var siteCoordinates = new List<int>[ns];
        var sitePaths = new List<int>[ns];
        var levers = new List<double>();
        for (int j = 0; j < ns; j++)
        {
            siteCoordinates[j] = new List<int>();
            sitePaths[j] = new List<int>();
            int child = -1;
            for (int b = SiteBody[j]; b > 0; child = b, b = BodyParent[b])
            {
                for (int k = 0; k < BodyCoordinateCount[b]; k++)
                    siteCoordinates[j].Add(BodyFirstCoordinate[b] + k);
                sitePaths[j].Add(b);
                Vector3D lever = child < 0 ? sites[j].PositionInBodyMetres : bodies[child].PositionInParentMetres;
                levers.Add(lever.X); levers.Add(lever.Y); levers.Add(lever.Z);
            }
            siteCoordinates[j].Sort();
        }
        (SiteCoordinateStart, SiteCoordinates) = Flatten(siteCoordinates);
        (SitePathStart, SitePathBody) = Flatten(sitePaths);
        SitePathLeverMetres = levers.ToArray();
    }

    /// <summary>The MJCF model name (<c>&lt;mujoco model=...&gt;</c>), else the file name.</summary>
    public string Name { get; }

    /// <summary>The file the model was loaded from.</summary>
    public string SourcePath { get; }

    /// <summary>Bodies in MuJoCo body-id order: world first, every parent before its children.</summary>
    public IReadOnlyList<BodyDefinition> Bodies { get; }

    /// <summary>Coordinates in qpos order (MJCF joint order).</summary>
    public IReadOnlyList<CoordinateDefinition> Coordinates { get; }

    /// <summary>Sites in MJCF order (MuJoCo site id); use <see cref="FindSite"/> or <see cref="SiteIndices"/> for a keypoint order.</summary>
    public IReadOnlyList<SiteDefinition> Sites { get; }

    /// <summary>The scale parameters β, in declaration order.</summary>
    public IReadOnlyList<ScaleGroupDefinition> ScaleGroups { get; }

    public int BodyCount => Bodies.Count;
    public int CoordinateCount => Coordinates.Count;

    /// <summary>
    /// [coordinate] what OpenSim reports for a translation at qpos 0, metres: the rest position of the coordinate's body
    /// along the slide's axis in the parent frame (the pelvis rests 1.01 m up, so OpenSim's pelvis_ty is qpos + 1.01);
    /// 0 for rotations. OpenSim's translations are absolute, MuJoCo's are offsets from the body's rest position.
    /// </summary>
    public double[] TranslationRestOffsetsMetres()
    {
        var offsets = new double[CoordinateCount];
        Span<double> r = stackalloc double[9];
        for (int i = 0; i < CoordinateCount; i++)
        {
            CoordinateDefinition c = Coordinates[i];
            if (c.Kind != CoordinateKind.Translation) continue;
            BodyDefinition body = Bodies[c.BodyIndex];
            RotationMath.QuaternionToMatrix(body.OrientationInParent, r);
            Vector3D a = c.AxisInBody, p = body.PositionInParentMetres;
            offsets[i] = (r[0] * a.X + r[1] * a.Y + r[2] * a.Z) * p.X + (r[3] * a.X + r[4] * a.Y + r[5] * a.Z) * p.Y + (r[6] * a.X + r[7] * a.Y + r[8] * a.Z) * p.Z;
        }
        return offsets;
    }
    public int SiteCount => Sites.Count;
    public int ScaleGroupCount => ScaleGroups.Count;

    /// <summary>The site index, or -1 when the model has no site of that (case-sensitive) name.</summary>
    public int FindSite(string name) => siteByName.GetValueOrDefault(name, -1);

    /// <summary>The coordinate (qpos) index, or -1 when absent.</summary>
    public int FindCoordinate(string name) => coordinateByName.GetValueOrDefault(name, -1);

    /// <summary>The body index, or -1 when absent.</summary>
    public int FindBody(string name) => bodyByName.GetValueOrDefault(name, -1);

    /// <summary>The scale-group index, or -1 when absent.</summary>
    public int FindScaleGroup(string name)
    {
        for (int g = 0; g < ScaleGroups.Count; g++)
            if (ScaleGroups[g].Name == name) return g;
        return -1;
    }

    /// <summary>
    /// Site indices for a keypoint order (e.g. the 87 <c>bml_movi_87</c> names); throws <see cref="KeyNotFoundException"/>
    /// naming every keypoint the model lacks.
    /// </summary>
    public int[] SiteIndices(IReadOnlyList<string> keypointNames)
    {
        var indices = new int[keypointNames.Count];
        var missing = new List<string>();
        for (int i = 0; i < indices.Length; i++)
            if ((indices[i] = FindSite(keypointNames[i])) < 0) missing.Add(keypointNames[i]);
        if (missing.Count > 0)
            throw new KeyNotFoundException($"Body model '{Name}' ({SourcePath}) has no site for keypoint(s): {string.Join(", ", missing)}.");
        return indices;
    }

    /// <summary>Sorted coordinate indices on the path from the world to the site's body: the only non-zero Jacobian columns.</summary>
    public ReadOnlySpan<int> CoordinatesMovingSite(int site) =>
        SiteCoordinates.AsSpan(SiteCoordinateStart[site], SiteCoordinateStart[site + 1] - SiteCoordinateStart[site]);

    /// <summary>
    /// This model with the points of a keypoint set as sites: a site of the same name takes the set's placement, other
    /// points are added. The set must be placed on this model (<see cref="KeypointSet.BodyModelName"/> = <see cref="Name"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The set is for another model, or names a body this model lacks.</exception>
    public BodyModel WithKeypointSet(KeypointSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (set.BodyModelName != Name)
            throw new ArgumentException($"Keypoint set '{set.Name}' is placed on body model '{set.BodyModelName}', not on '{Name}' ({SourcePath}).", nameof(set));
        var sites = Sites.ToList();
        foreach (KeypointPlacement point in set.Keypoints)
        {
            int body = FindBody(point.BodyName);
            if (body < 0) throw new ArgumentException($"Keypoint set '{set.Name}' puts '{point.Name}' on body '{point.BodyName}', which model '{Name}' lacks.", nameof(set));
            var site = new SiteDefinition(point.Name, body, new Vector3D(point.Position.X, point.Position.Y, point.Position.Z));
            int existing = FindSite(point.Name);
            if (existing >= 0) sites[existing] = site;
            else sites.Add(site);
        }
        return new BodyModel(Name, SourcePath, Bodies, Coordinates, sites, ScaleGroups);
    }

    /// <summary>Loads an MJCF (MuJoCo XML) file; see <see cref="MjcfReader"/> for the supported subset.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="BodyModelFormatException">The file is not a model the kinematics can honour; the message names file and element.</exception>
    public static BodyModel LoadMjcf(string path) => MjcfReader.Load(path);

    private void ValidateTopology()
    {
        if (Bodies.Count == 0 || Bodies[0].ParentIndex != -1)
            throw new BodyModelFormatException(SourcePath, "body 0 must be the world (parent -1).");
        for (int b = 1; b < Bodies.Count; b++)
            if (Bodies[b].ParentIndex < 0 || Bodies[b].ParentIndex >= b)
                throw new BodyModelFormatException(SourcePath, $"body '{Bodies[b].Name}' must come after its parent.");
        int previousBody = 0;
        foreach (CoordinateDefinition c in Coordinates)
        {
            if (c.BodyIndex <= 0 || c.BodyIndex >= Bodies.Count || c.BodyIndex < previousBody)
                throw new BodyModelFormatException(SourcePath, $"coordinate '{c.Name}' must be on a non-world body, in body order.");
            previousBody = c.BodyIndex;
        }
        foreach (SiteDefinition s in Sites)
            if (s.BodyIndex < 0 || s.BodyIndex >= Bodies.Count)
                throw new BodyModelFormatException(SourcePath, $"site '{s.Name}' has no valid body.");
        foreach (ScaleGroupDefinition g in ScaleGroups)
            foreach (int b in g.BodyIndices)
                if (b <= 0 || b >= Bodies.Count)
                    throw new BodyModelFormatException(SourcePath, $"scale group '{g.Name}' lists an invalid body (the world's scale is fixed at 1).");
    }

    private Dictionary<string, int> IndexByName(IEnumerable<string> names)
    {
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        int i = 0;
        foreach (string name in names)
        {
            if (!map.TryAdd(name, i))
                throw new BodyModelFormatException(SourcePath, $"the name '{name}' is used twice.");
            i++;
        }
        return map;
    }

    private static void SetVector(double[] target, int index, Vector3D v)
    {
        target[index * 3] = v.X;
        target[index * 3 + 1] = v.Y;
        target[index * 3 + 2] = v.Z;
    }

    private static (int[] Start, int[] Items) Flatten(List<int>[] lists)
    {
        var start = new int[lists.Length + 1];
        for (int i = 0; i < lists.Length; i++) start[i + 1] = start[i] + lists[i].Count;
        var items = new int[start[^1]];
        for (int i = 0; i < lists.Length; i++) lists[i].CopyTo(items, start[i]);
        return (start, items);
    }
}
