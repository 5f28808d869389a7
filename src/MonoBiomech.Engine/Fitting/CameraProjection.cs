using System.Runtime.CompilerServices;
using MonoBiomech.Pose;

namespace MonoBiomech.Engine.Fitting;

/// <summary>Pinhole projection and its Jacobian for points in the camera frame (metres; only the ratios matter).</summary>
internal static class CameraProjection
{
    /// <summary>Points closer than this to the camera plane carry no 2D information (upstream uses 100 mm).</summary>
    public const double MinimumDepthMetres = 0.1;

    /// <summary>Pixel coordinates and d(u,v)/d(X,Y,Z) (row-major 2x3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double U, double V) Project(CameraIntrinsics k, double x, double y, double z, Span<double> jacobian2x3)
    {
        double iz = 1.0 / z;
        double u = k.FocalLengthXPixels * x * iz + k.PrincipalPointXPixels;
        double v = k.FocalLengthYPixels * y * iz + k.PrincipalPointYPixels;
        jacobian2x3[0] = k.FocalLengthXPixels * iz;
        jacobian2x3[1] = 0;
        jacobian2x3[2] = -k.FocalLengthXPixels * x * iz * iz;
        jacobian2x3[3] = 0;
        jacobian2x3[4] = k.FocalLengthYPixels * iz;
        jacobian2x3[5] = -k.FocalLengthYPixels * y * iz * iz;
        return (u, v);
    }
}
