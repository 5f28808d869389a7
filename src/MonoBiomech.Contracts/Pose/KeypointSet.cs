using System.Collections.ObjectModel;
using System.Globalization;

namespace MonoBiomech.Pose;

/// <summary>
/// A point in the local frame of one body of a body model, in <b>metres</b>. The frame is the body's own MJCF frame
/// (in MonoBiomech's and OpenSim's models: x anterior, y superior, z to the subject's right at the neutral pose), and
/// the position is the unscaled one, as an MJCF <c>&lt;site pos="..."&gt;</c> would give it.
/// </summary>
/// <param name="X">Metres along the body frame's x axis.</param>
/// <param name="Y">Metres along the body frame's y axis.</param>
/// <param name="Z">Metres along the body frame's z axis.</param>
public readonly record struct LocalPositionMetres(double X, double Y, double Z)
{
    /// <summary>True when all three coordinates are finite (no NaN, no infinity).</summary>
    public bool IsFinite => double.IsFinite(X) && double.IsFinite(Y) && double.IsFinite(Z);

    /// <summary>The position mirrored through the body's sagittal plane (z negated): the partner side's position.</summary>
    public LocalPositionMetres Mirrored => new(X, Y, -Z);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"({X}, {Y}, {Z}) m");
}

/// <summary>
/// Where one keypoint of a <see cref="KeypointSet"/> sits on the body model the set names (OpenSim: a marker of a
/// MarkerSet plus its IK task weight).
/// </summary>
/// <param name="Name">The keypoint's name as the pose estimator reports it (ordinal, unique in the set).</param>
/// <param name="BodyName">The body (MJCF <c>&lt;body name&gt;</c>) the keypoint moves with.</param>
/// <param name="Position">Metres, in that body's local frame, unscaled.</param>
/// <param name="DefaultWeight">Relative weight of the keypoint in a fit (0 = ignored), before confidences; default 1.</param>
/// <param name="MirrorName">The left/right partner (the same landmark on the other side); null for a midline point.</param>
/// <param name="Landmark">Optional free text: the anatomical landmark the position stands for.</param>
public sealed record KeypointPlacement(
    string Name,
    string BodyName,
    LocalPositionMetres Position,
    double DefaultWeight = 1.0,
    string? MirrorName = null,
    string? Landmark = null);

/// <summary>
/// A named set of keypoints (the points one pose estimator reports, in its order), their left/right mirror pairs and
/// where each sits on one body model: body, body-local position in metres and a default weight. The analogue of an
/// OpenSim MarkerSet with its IKTaskSet. Immutable; every instance is valid (see the constructor).
/// </summary>
/// <remarks>
/// <para>Sets are data: <see cref="Load"/> reads the JSON files shipped in the module's <c>models/keypointsets/</c>
/// folder, named <c>&lt;set&gt;.&lt;body model file&gt;.json</c>. The format (UTF-8 JSON, no comments, no trailing
/// commas, unknown properties rejected):</para>
/// <code>
/// {
///   "name": "blazepose_33",                 // required: the set's name (Name)
///   "bodyModel": "monobiomech_body",        // required: the MJCF model name, &lt;mujoco model="..."&gt; (BodyModelName)
///   "description": "...",                   // optional text, default ""
///   "units": "metres",                      // required: "metres" (or "meters"); positions are in metres
///   "keypoints": [                          // required, at least one, in the estimator's order
///     { "name": "nose", "body": "head", "position": [0.160, 0.092, 0.0], "weight": 0.5 },
///     { "name": "left_eye", "body": "head", "position": [0.134, 0.126, -0.0315], "mirror": "right_eye" },
///     ...
///   ]
/// }
/// </code>
/// <para>Per keypoint: <c>name</c>, <c>body</c> and <c>position</c> ([x, y, z] in metres in the body's frame) are
/// required; <c>weight</c> (finite, ≥ 0) defaults to 1; <c>mirror</c> names the left/right partner and must be given
/// on both partners, each naming the other (omit it, or give null, for a midline point); <c>landmark</c> is optional
/// text. Errors are reported as <see cref="KeypointSetFormatException"/> with the source name and, where known, the
/// line.</para>
/// </remarks>
public sealed partial class KeypointSet
{
    private readonly Dictionary<string, int> indexByName;
    private readonly int[] mirror;

    /// <summary>Creates a set and validates it.</summary>
    /// <param name="name">The set's name, e.g. "bml_movi_87" or "blazepose_33".</param>
    /// <param name="bodyModelName">The MJCF model name of the body model the placements refer to.</param>
    /// <param name="description">Free text (null = empty).</param>
    /// <param name="keypoints">The keypoints, in the estimator's order.</param>
    /// <exception cref="ArgumentException">
    /// A name is empty or has surrounding white space; two keypoint names are equal (ordinally, or differing only in
    /// letter case); a body name is empty; a position is not finite; a weight is negative or not finite; a mirror name
    /// is unknown, names the keypoint itself, or is not returned by the partner.
    /// </exception>
    public KeypointSet(string name, string bodyModelName, string? description, IEnumerable<KeypointPlacement> keypoints)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(bodyModelName);
        ArgumentNullException.ThrowIfNull(keypoints);
        KeypointPlacement[] items = keypoints.ToArray();

        if (FindProblem(name, bodyModelName, items) is { } problem)
            throw new ArgumentException(problem.Message, problem.Parameter);

        Name = name;
        BodyModelName = bodyModelName;
        Description = description ?? "";
        Keypoints = new ReadOnlyCollection<KeypointPlacement>(items);
        Names = new ReadOnlyCollection<string>(items.Select(k => k.Name).ToArray());
        indexByName = new Dictionary<string, int>(items.Length, StringComparer.Ordinal);
        for (int i = 0; i < items.Length; i++) indexByName.Add(items[i].Name, i);
        mirror = new int[items.Length];
        for (int i = 0; i < items.Length; i++)
            mirror[i] = items[i].MirrorName is { } partner ? indexByName[partner] : i;
    }

    /// <summary>The set's name, e.g. "bml_movi_87".</summary>
    public string Name { get; }

    /// <summary>The MJCF model name (<c>&lt;mujoco model=...&gt;</c>) of the body model the placements refer to.</summary>
    public string BodyModelName { get; }

    /// <summary>Free text describing the set and its sources.</summary>
    public string Description { get; }

    /// <summary>The keypoints in the estimator's order.</summary>
    public IReadOnlyList<KeypointPlacement> Keypoints { get; }

    /// <summary>The keypoint names in the estimator's order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The number of keypoints.</summary>
    public int Count => Keypoints.Count;

    /// <summary>The keypoint at an index.</summary>
    public KeypointPlacement this[int index] => Keypoints[index];

    /// <summary>The index of the keypoint of that name (ordinal comparison), or -1 when the set has none.</summary>
    public int IndexOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return indexByName.TryGetValue(name, out int index) ? index : -1;
    }

    /// <summary>The index of the keypoint's left/right partner, or <paramref name="index"/> itself for a midline point.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is not in [0, Count).</exception>
    public int MirrorOf(int index)
    {
        if ((uint)index >= (uint)mirror.Length)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The set '{Name}' has {mirror.Length} keypoints.");
        return mirror[index];
    }

    public override string ToString() => $"{Name} on {BodyModelName} ({Count} keypoints)";

    /// <summary>What makes a set invalid: the keypoint it concerns (-1: the set itself), the constructor parameter, a message.</summary>
    private sealed record Problem(int Index, string Parameter, string Message);

    /// <summary>The first problem that makes a set invalid, or null.</summary>
    private static Problem? FindProblem(string name, string bodyModelName, KeypointPlacement[] items)
    {
        if (BadName(name)) return new(-1, "name", $"The set name '{name}' is empty or has leading or trailing white space.");
        if (BadName(bodyModelName))
            return new(-1, "bodyModelName", $"The body model name '{bodyModelName}' of the set '{name}' is empty or has leading or trailing white space.");
        if (items.Length == 0) return new(-1, "keypoints", $"The set '{name}' has no keypoints.");

        var byName = new Dictionary<string, int>(items.Length, StringComparer.Ordinal);
        var byNameIgnoringCase = new Dictionary<string, int>(items.Length, StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < items.Length; i++)
        {
            KeypointPlacement? k = items[i];
            if (k is null) return Bad(i, $"Keypoint {i} is null.");
            if (k.Name is null || BadName(k.Name)) return Bad(i, $"Keypoint {i} has the name '{k.Name}', which is empty or has leading or trailing white space.");
            string what = $"Keypoint {i} ('{k.Name}')";
            if (k.BodyName is null || BadName(k.BodyName)) return Bad(i, $"{what} names no body, or one with leading or trailing white space.");
            if (!k.Position.IsFinite) return Bad(i, $"{what} has a non-finite position {k.Position}.");
            if (!double.IsFinite(k.DefaultWeight) || k.DefaultWeight < 0)
                return Bad(i, $"{what} has the weight {k.DefaultWeight.ToString(CultureInfo.InvariantCulture)}; a weight must be finite and >= 0.");
            if (k.MirrorName is not null && BadName(k.MirrorName)) return Bad(i, $"{what} has an empty mirror name; omit it for a midline point.");
            if (byName.TryGetValue(k.Name, out int first)) return Bad(i, $"{what} has the same name as keypoint {first}; names must be unique.");
            if (byNameIgnoringCase.TryGetValue(k.Name, out first))
                return Bad(i, $"{what} differs from keypoint {first} ('{items[first].Name}') only in letter case; names must differ otherwise too.");
            byName.Add(k.Name, i);
            byNameIgnoringCase.Add(k.Name, i);
        }

        for (int i = 0; i < items.Length; i++)
        {
            KeypointPlacement k = items[i];
            if (k.MirrorName is not { } partnerName) continue;
            string what = $"Keypoint {i} ('{k.Name}')";
            if (partnerName == k.Name) return Bad(i, $"{what} names itself as its mirror; a midline point has no mirror.");
            if (!byName.TryGetValue(partnerName, out int partner))
                return Bad(i, $"{what} names the mirror '{partnerName}', which is not a keypoint of the set.");
            string? back = items[partner].MirrorName;
            if (back != k.Name)
                return Bad(i, back is null
                    ? $"{what} names '{partnerName}' as its mirror, but '{partnerName}' names no mirror; a mirror pair must be given on both partners."
                    : $"{what} names '{partnerName}' as its mirror, but '{partnerName}' names '{back}'; mirror pairs must agree.");
        }
        return null;
    }

    private static Problem Bad(int index, string message) => new(index, "keypoints", message);

    private static bool BadName(string name) => name.Length == 0 || char.IsWhiteSpace(name[0]) || char.IsWhiteSpace(name[^1]);
}
