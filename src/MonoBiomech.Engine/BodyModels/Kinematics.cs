using System.Runtime.CompilerServices;
namespace MonoBiomech.Engine.BodyModels;

/// <summary>
/// Exact forward kinematics (MuJoCo <c>mj_kinematics</c> on a scaled copy of the model) and its analytic Jacobians.
/// Allocation-free: everything is written into the caller's <see cref="KinematicsWorkspace"/> and spans.
/// </summary>
/// <remarks>
/// Recurrence, for bodies in order (parents first): p_b = p_parent + R_parent·(s_parent·r_b), R_b = R_parent·R(quat_b);
/// then each coordinate of b in qpos order: slide p_b += (R_b·â)·q, hinge R_b ← R_b·Rot(â, q).
/// Sites: x_j = p_b + R_b·(s_b·r_j + Δ_j). Scales s_b = 1 + Σ_g M_bg β_g; the world's scale is 1 and the
/// slide translations are not scaled.
/// </remarks>
public static class Kinematics
{
    /// <summary>Evaluates body poses and site positions.</summary>
    /// <param name="coordinates">qpos, <see cref="BodyModel.CoordinateCount"/> values (radians, metres).</param>
    /// <param name="scaleIncrements">β, <see cref="BodyModel.ScaleGroupCount"/> values; empty = all zero.</param>
    /// <param name="siteOffsetsMetres">Δ, SiteCount*3 values in each site's body frame, added after scaling; empty = all zero.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(BodyModel model, ReadOnlySpan<double> coordinates, ReadOnlySpan<double> scaleIncrements,
        ReadOnlySpan<double> siteOffsetsMetres, KinematicsWorkspace workspace)
    {
        CheckWorkspace(model, workspace);
        if (coordinates.Length != model.CoordinateCount)
            throw new ArgumentException($"Expected {model.CoordinateCount} coordinates, got {coordinates.Length}.", nameof(coordinates));
        if (scaleIncrements.Length != model.ScaleGroupCount && !scaleIncrements.IsEmpty)
            throw new ArgumentException($"Expected {model.ScaleGroupCount} scale parameters (or none), got {scaleIncrements.Length}.", nameof(scaleIncrements));
        if (siteOffsetsMetres.Length != model.SiteCount * 3 && !siteOffsetsMetres.IsEmpty)
            throw new ArgumentException($"Expected {model.SiteCount * 3} site offsets (or none), got {siteOffsetsMetres.Length}.", nameof(siteOffsetsMetres));

        int bodyCount = model.BodyCount;
        double[] scale = workspace.BodyScaleFactors;
        double[] pos = workspace.BodyPositionsMetres;
        double[] rot = workspace.BodyRotations;
        double[] axesWorld = workspace.CoordinateAxesWorld;
        double[] anchors = workspace.CoordinateAnchorsMetres;
        int[] groupStart = model.BodyGroupStart, groups = model.BodyGroups;

        for (int b = 0; b < bodyCount; b++)
        {
            double s = 1;
            if (!scaleIncrements.IsEmpty)
                for (int i = groupStart[b]; i < groupStart[b + 1]; i++) s += scaleIncrements[groups[i]];
            scale[b] = s;
        }

        pos[0] = pos[1] = pos[2] = 0;
        rot.AsSpan(0, 9).Clear();
        rot[0] = rot[4] = rot[8] = 1;

        int[] parents = model.BodyParent;
        double[] offsets = model.BodyOffsetMetres, localRotations = model.BodyRotationInParent, axes = model.CoordinateAxis;
        bool[] hasRotation = model.BodyHasRotation, isSlide = model.CoordinateIsSlide;
        int[] firstCoordinate = model.BodyFirstCoordinate, coordinateCount = model.BodyCoordinateCount;
        for (int b = 1; b < bodyCount; b++)
        {
            int p = parents[b], p3 = p * 3, p9 = p * 9, b3 = b * 3, b9 = b * 9;
            double sp = scale[p];
            double ox = offsets[b3] * sp, oy = offsets[b3 + 1] * sp, oz = offsets[b3 + 2] * sp;
            double r0 = rot[p9], r1 = rot[p9 + 1], r2 = rot[p9 + 2];
            double r3 = rot[p9 + 3], r4 = rot[p9 + 4], r5 = rot[p9 + 5];
            double r6 = rot[p9 + 6], r7 = rot[p9 + 7], r8 = rot[p9 + 8];
            double px = pos[p3] + r0 * ox + r1 * oy + r2 * oz;
            double py = pos[p3 + 1] + r3 * ox + r4 * oy + r5 * oz;
            double pz = pos[p3 + 2] + r6 * ox + r7 * oy + r8 * oz;
            if (hasRotation[b])
            {
                double l0 = localRotations[b9], l1 = localRotations[b9 + 1], l2 = localRotations[b9 + 2];
                double l3 = localRotations[b9 + 3], l4 = localRotations[b9 + 4], l5 = localRotations[b9 + 5];
                double l6 = localRotations[b9 + 6], l7 = localRotations[b9 + 7], l8 = localRotations[b9 + 8];
                (r0, r1, r2) = (r0 * l0 + r1 * l3 + r2 * l6, r0 * l1 + r1 * l4 + r2 * l7, r0 * l2 + r1 * l5 + r2 * l8);
                (r3, r4, r5) = (r3 * l0 + r4 * l3 + r5 * l6, r3 * l1 + r4 * l4 + r5 * l7, r3 * l2 + r4 * l5 + r5 * l8);
                (r6, r7, r8) = (r6 * l0 + r7 * l3 + r8 * l6, r6 * l1 + r7 * l4 + r8 * l7, r6 * l2 + r7 * l5 + r8 * l8);
            }

            int kEnd = firstCoordinate[b] + coordinateCount[b];
            for (int k = firstCoordinate[b]; k < kEnd; k++)
            {
                int k3 = k * 3;
                double ax = axes[k3], ay = axes[k3 + 1], az = axes[k3 + 2];
                double wx = r0 * ax + r1 * ay + r2 * az;
                double wy = r3 * ax + r4 * ay + r5 * az;
                double wz = r6 * ax + r7 * ay + r8 * az;
                axesWorld[k3] = wx; axesWorld[k3 + 1] = wy; axesWorld[k3 + 2] = wz;
                anchors[k3] = px; anchors[k3 + 1] = py; anchors[k3 + 2] = pz;
                double q = coordinates[k];
                if (isSlide[k])
                {
                    px += wx * q; py += wy * q; pz += wz * q;
                    continue;
                }
                // Rodrigues: Rot = c·I + s·[a]x + (1-c)·a·aᵀ, right-multiplied (the axis turns with the body).
                (double sin, double cos) = Math.SinCos(q);
                double t = 1 - cos;
                double m0 = cos + t * ax * ax, m1 = t * ax * ay - sin * az, m2 = t * ax * az + sin * ay;
                double m3 = t * ax * ay + sin * az, m4 = cos + t * ay * ay, m5 = t * ay * az - sin * ax;
                double m6 = t * ax * az - sin * ay, m7 = t * ay * az + sin * ax, m8 = cos + t * az * az;
                (r0, r1, r2) = (r0 * m0 + r1 * m3 + r2 * m6, r0 * m1 + r1 * m4 + r2 * m7, r0 * m2 + r1 * m5 + r2 * m8);
                (r3, r4, r5) = (r3 * m0 + r4 * m3 + r5 * m6, r3 * m1 + r4 * m4 + r5 * m7, r3 * m2 + r4 * m5 + r5 * m8);
                (r6, r7, r8) = (r6 * m0 + r7 * m3 + r8 * m6, r6 * m1 + r7 * m4 + r8 * m7, r6 * m2 + r7 * m5 + r8 * m8);
            }

            pos[b3] = px; pos[b3 + 1] = py; pos[b3 + 2] = pz;
            rot[b9] = r0; rot[b9 + 1] = r1; rot[b9 + 2] = r2;
            rot[b9 + 3] = r3; rot[b9 + 4] = r4; rot[b9 + 5] = r5;
            rot[b9 + 6] = r6; rot[b9 + 7] = r7; rot[b9 + 8] = r8;
        }

        int[] siteBody = model.SiteBody;
        double[] siteLocal = model.SiteOffsetMetres, sites = workspace.SitePositionsMetres;
        bool hasOffsets = !siteOffsetsMetres.IsEmpty;
        for (int j = 0; j < siteBody.Length; j++)
        {
            int b = siteBody[j], j3 = j * 3, b3 = b * 3, b9 = b * 9;
            double s = scale[b];
            double lx = siteLocal[j3] * s, ly = siteLocal[j3 + 1] * s, lz = siteLocal[j3 + 2] * s;
            if (hasOffsets)
            {
                lx += siteOffsetsMetres[j3]; ly += siteOffsetsMetres[j3 + 1]; lz += siteOffsetsMetres[j3 + 2];
            }
            sites[j3] = pos[b3] + rot[b9] * lx + rot[b9 + 1] * ly + rot[b9 + 2] * lz;
            sites[j3 + 1] = pos[b3 + 1] + rot[b9 + 3] * lx + rot[b9 + 4] * ly + rot[b9 + 5] * lz;
            sites[j3 + 2] = pos[b3 + 2] + rot[b9 + 6] * lx + rot[b9 + 7] * ly + rot[b9 + 8] * lz;
        }
    }

    /// <summary>
    /// d(site position)/d(coordinates) at the last <see cref="Forward"/>: 3 x CoordinateCount, row-major, metres per radian
    /// (hinge: a × (x − anchor)) or metres per metre (slide: a). Columns outside <see cref="BodyModel.CoordinatesMovingSite"/> are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SiteJacobianCoordinates(BodyModel model, KinematicsWorkspace workspace, int site, Span<double> jacobian)
    {
        CheckWorkspace(model, workspace);
        int n = model.CoordinateCount;
        ClearJacobian(jacobian, n);
        WriteCoordinateColumns(model, workspace, site, jacobian, n, compact: false);
    }

    /// <summary>
    /// The non-zero part of <see cref="SiteJacobianCoordinates"/>: 3 x m, row-major, where column c belongs to coordinate
    /// <c>CoordinatesMovingSite(site)[c]</c> and m is that span's length (at most CoordinateCount).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SiteJacobianCoordinatesCompact(BodyModel model, KinematicsWorkspace workspace, int site, Span<double> jacobian)
    {
        CheckWorkspace(model, workspace);
        int m = model.CoordinatesMovingSite(site).Length;
        if (jacobian.Length < 3 * m)
            throw new ArgumentException($"The compact Jacobian of site {site} needs 3x{m} values, got {jacobian.Length}.", nameof(jacobian));
        WriteCoordinateColumns(model, workspace, site, jacobian, m, compact: true);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteCoordinateColumns(BodyModel model, KinematicsWorkspace workspace, int site, Span<double> jacobian,
        int stride, bool compact)
    {
        double[] sites = workspace.SitePositionsMetres, axes = workspace.CoordinateAxesWorld, anchors = workspace.CoordinateAnchorsMetres;
        bool[] isSlide = model.CoordinateIsSlide;
        int j3 = site * 3;
        double x = sites[j3], y = sites[j3 + 1], z = sites[j3 + 2];
        ReadOnlySpan<int> moving = model.CoordinatesMovingSite(site);
        for (int c = 0; c < moving.Length; c++)
        {
            int k = moving[c], k3 = k * 3, column = compact ? c : k;
            double ax = axes[k3], ay = axes[k3 + 1], az = axes[k3 + 2];
            if (isSlide[k])
            {
                jacobian[column] = ax; jacobian[stride + column] = ay; jacobian[2 * stride + column] = az;
                continue;
            }
            double dx = x - anchors[k3], dy = y - anchors[k3 + 1], dz = z - anchors[k3 + 2];
            jacobian[column] = ay * dz - az * dy;
            jacobian[stride + column] = az * dx - ax * dz;
            jacobian[2 * stride + column] = ax * dy - ay * dx;
        }
    }

    /// <summary>
    /// d(site position)/d(β) at the last <see cref="Forward"/>: 3 x ScaleGroupCount, row-major, metres per unit β.
    /// Each body b on the site's path contributes R_b·(unscaled lever: the next body's offset, or the site position).
    /// The derivative with respect to the site's own offset Δ is the body rotation (<see cref="KinematicsWorkspace.BodyRotations"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SiteJacobianScales(BodyModel model, KinematicsWorkspace workspace, int site, Span<double> jacobian)
    {
        CheckWorkspace(model, workspace);
        int n = model.ScaleGroupCount;
        ClearJacobian(jacobian, n);
        double[] rot = workspace.BodyRotations, levers = model.SitePathLeverMetres;
        int[] pathBody = model.SitePathBody, groupStart = model.BodyGroupStart, groups = model.BodyGroups;
        for (int e = model.SitePathStart[site]; e < model.SitePathStart[site + 1]; e++)
        {
            int b = pathBody[e], b9 = b * 9, e3 = e * 3;
            if (groupStart[b] == groupStart[b + 1]) continue;
            double lx = levers[e3], ly = levers[e3 + 1], lz = levers[e3 + 2];
            double vx = rot[b9] * lx + rot[b9 + 1] * ly + rot[b9 + 2] * lz;
            double vy = rot[b9 + 3] * lx + rot[b9 + 4] * ly + rot[b9 + 5] * lz;
            double vz = rot[b9 + 6] * lx + rot[b9 + 7] * ly + rot[b9 + 8] * lz;
            for (int i = groupStart[b]; i < groupStart[b + 1]; i++)
            {
                int g = groups[i];
                jacobian[g] += vx; jacobian[n + g] += vy; jacobian[2 * n + g] += vz;
            }
        }
    }

    private static void ClearJacobian(Span<double> jacobian, int columns)
    {
        if (jacobian.Length < 3 * columns)
            throw new ArgumentException($"The Jacobian needs 3x{columns} values, got {jacobian.Length}.", nameof(jacobian));
        jacobian[..(3 * columns)].Clear();
    }

    private static void CheckWorkspace(BodyModel model, KinematicsWorkspace workspace)
    {
        if (!ReferenceEquals(workspace.Model, model))
            throw new ArgumentException("The workspace was created for a different body model.", nameof(workspace));
    }
}
