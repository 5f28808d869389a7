using MonoBiomech.Fitting;

namespace MonoBiomech.Engine.BodyModels;

/// <summary>
/// A rigid segment. Its frame sits at <see cref="PositionInParentMetres"/> in the parent's frame (before scaling), rotated by
/// <see cref="OrientationInParent"/>; its coordinates then act in that frame.
/// </summary>
/// <param name="ParentIndex">-1 for the world body (index 0).</param>
/// <param name="OrientationInParent">Unit quaternion (w, x, y, z), MuJoCo convention.</param>
public sealed record BodyDefinition(
    string Name,
    int ParentIndex,
    Vector3D PositionInParentMetres,
    QuaternionD OrientationInParent);

/// <summary>One scalar degree of freedom (an MJCF hinge joint: a rotation; a slide joint: a translation). Its index is its qpos index.</summary>
/// <param name="AxisInBody">Unit axis in the body frame, as the body is after the body's earlier coordinates have acted.</param>
/// <param name="LowerLimit">Radians for hinges, metres for slides; meaningful only when <see cref="IsLimited"/>.</param>
public sealed record CoordinateDefinition(
    string Name,
    CoordinateKind Kind,
    int BodyIndex,
    Vector3D AxisInBody,
    bool IsLimited,
    double LowerLimit,
    double UpperLimit);

/// <summary>A point fixed on a body (a keypoint), at <see cref="PositionInBodyMetres"/> before scaling.</summary>
public sealed record SiteDefinition(string Name, int BodyIndex, Vector3D PositionInBodyMetres);

/// <summary>
/// One isotropic size parameter β_g. Every body in <see cref="BodyIndices"/> gets β_g added to its scale factor
/// s_b = 1 + Σ_g β_g (body offsets are scaled by the parent's s, sites by their own body's s).
/// </summary>
public sealed record ScaleGroupDefinition(string Name, IReadOnlyList<int> BodyIndices);

/// <summary>A 3-vector of doubles (metres or a unit direction, as the member says).</summary>
public readonly record struct Vector3D(double X, double Y, double Z)
{
    public override string ToString() => FormattableString.Invariant($"({X}, {Y}, {Z})");
}

/// <summary>A quaternion (w, x, y, z), MuJoCo's component order.</summary>
public readonly record struct QuaternionD(double W, double X, double Y, double Z)
{
    public static QuaternionD Identity => new(1, 0, 0, 0);

    public override string ToString() => FormattableString.Invariant($"({W}, {X}, {Y}, {Z})");
}
