namespace MonoBiomech.Engine.Pose.Metrabs;

/// <summary>A 3×3 matrix of doubles, row-major (M[r, c]); the crop geometry's rotations, intrinsics and homographies.</summary>
internal readonly struct Matrix3
{
    private readonly double _m00, _m01, _m02, _m10, _m11, _m12, _m20, _m21, _m22;

    public Matrix3(double m00, double m01, double m02, double m10, double m11, double m12, double m20, double m21, double m22)
    {
        (_m00, _m01, _m02) = (m00, m01, m02);
        (_m10, _m11, _m12) = (m10, m11, m12);
        (_m20, _m21, _m22) = (m20, m21, m22);
    }

    public static Matrix3 Identity { get; } = new(1, 0, 0, 0, 1, 0, 0, 0, 1);

    /// <summary>The matrix whose rows are the three vectors.</summary>
    public static Matrix3 FromRows(Vector3d row0, Vector3d row1, Vector3d row2) =>
        new(row0.X, row0.Y, row0.Z, row1.X, row1.Y, row1.Z, row2.X, row2.Y, row2.Z);

    public double this[int row, int column] => (row * 3 + column) switch
    {
        0 => _m00, 1 => _m01, 2 => _m02, 3 => _m10, 4 => _m11, 5 => _m12, 6 => _m20, 7 => _m21, 8 => _m22,
        _ => throw new ArgumentOutOfRangeException(nameof(row)),
    };

    public Matrix3 Transpose() => new(_m00, _m10, _m20, _m01, _m11, _m21, _m02, _m12, _m22);

    public static Matrix3 operator *(Matrix3 a, Matrix3 b) => new(
        a._m00 * b._m00 + a._m01 * b._m10 + a._m02 * b._m20, a._m00 * b._m01 + a._m01 * b._m11 + a._m02 * b._m21, a._m00 * b._m02 + a._m01 * b._m12 + a._m02 * b._m22,
        a._m10 * b._m00 + a._m11 * b._m10 + a._m12 * b._m20, a._m10 * b._m01 + a._m11 * b._m11 + a._m12 * b._m21, a._m10 * b._m02 + a._m11 * b._m12 + a._m12 * b._m22,
        a._m20 * b._m00 + a._m21 * b._m10 + a._m22 * b._m20, a._m20 * b._m01 + a._m21 * b._m11 + a._m22 * b._m21, a._m20 * b._m02 + a._m21 * b._m12 + a._m22 * b._m22);

    public static Vector3d operator *(Matrix3 m, Vector3d v) => new(
        m._m00 * v.X + m._m01 * v.Y + m._m02 * v.Z,
        m._m10 * v.X + m._m11 * v.Y + m._m12 * v.Z,
        m._m20 * v.X + m._m21 * v.Y + m._m22 * v.Z);

    /// <summary>The inverse by the adjugate; the matrices here (intrinsics, rotations, their products) are far from singular.</summary>
    public Matrix3 Inverse()
    {
        double c00 = _m11 * _m22 - _m12 * _m21, c01 = _m12 * _m20 - _m10 * _m22, c02 = _m10 * _m21 - _m11 * _m20;
        double determinant = _m00 * c00 + _m01 * c01 + _m02 * c02;
        if (determinant == 0 || !double.IsFinite(determinant)) throw new InvalidOperationException("The matrix is singular.");
        double d = 1 / determinant;
        return new Matrix3(
            c00 * d, (_m02 * _m21 - _m01 * _m22) * d, (_m01 * _m12 - _m02 * _m11) * d,
            c01 * d, (_m00 * _m22 - _m02 * _m20) * d, (_m02 * _m10 - _m00 * _m12) * d,
            c02 * d, (_m01 * _m20 - _m00 * _m21) * d, (_m00 * _m11 - _m01 * _m10) * d);
    }

    /// <summary>The nine values row by row, for OpenCV.</summary>
    public double[] ToArray() => new[] { _m00, _m01, _m02, _m10, _m11, _m12, _m20, _m21, _m22 };
}

/// <summary>A 3-vector of doubles (camera-frame points and rays).</summary>
internal readonly record struct Vector3d(double X, double Y, double Z)
{
    public static Vector3d operator +(Vector3d a, Vector3d b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);
    public static Vector3d operator -(Vector3d a, Vector3d b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);
    public static Vector3d operator *(double s, Vector3d v) => new(s * v.X, s * v.Y, s * v.Z);

    public double Length => Math.Sqrt(X * X + Y * Y + Z * Z);

    public Vector3d Normalized() => (1 / Length) * this;

    public Vector3d Cross(Vector3d b) => new(Y * b.Z - Z * b.Y, Z * b.X - X * b.Z, X * b.Y - Y * b.X);

    /// <summary>The perspective division (x/z, y/z).</summary>
    public (double X, double Y) Project() => (X / Z, Y / Z);
}
