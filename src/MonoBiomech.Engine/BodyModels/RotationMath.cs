namespace MonoBiomech.Engine.BodyModels;

/// <summary>Small rotation helpers on row-major 3x3 matrices and (w, x, y, z) quaternions.</summary>
internal static class RotationMath
{
    public static void QuaternionToMatrix(QuaternionD q, Span<double> m)
    {
        double w = q.W, x = q.X, y = q.Y, z = q.Z;
        m[0] = 1 - 2 * (y * y + z * z); m[1] = 2 * (x * y - w * z); m[2] = 2 * (x * z + w * y);
        m[3] = 2 * (x * y + w * z); m[4] = 1 - 2 * (x * x + z * z); m[5] = 2 * (y * z - w * x);
        m[6] = 2 * (x * z - w * y); m[7] = 2 * (y * z + w * x); m[8] = 1 - 2 * (x * x + y * y);
    }

    public static QuaternionD Normalize(QuaternionD q)
    {
        double n = Math.Sqrt(q.W * q.W + q.X * q.X + q.Y * q.Y + q.Z * q.Z);
        return new QuaternionD(q.W / n, q.X / n, q.Y / n, q.Z / n);
    }

    /// <summary>The rotation by <paramref name="angleRadians"/> about the unit <paramref name="axis"/>.</summary>
    public static QuaternionD AxisAngle(Vector3D axis, double angleRadians)
    {
        double half = 0.5 * angleRadians, s = Math.Sin(half);
        return new QuaternionD(Math.Cos(half), axis.X * s, axis.Y * s, axis.Z * s);
    }

    public static QuaternionD Multiply(QuaternionD a, QuaternionD b) => new(
        a.W * b.W - a.X * b.X - a.Y * b.Y - a.Z * b.Z,
        a.W * b.X + a.X * b.W + a.Y * b.Z - a.Z * b.Y,
        a.W * b.Y - a.X * b.Z + a.Y * b.W + a.Z * b.X,
        a.W * b.Z + a.X * b.Y - a.Y * b.X + a.Z * b.W);
}
