using MonoBiomech.Pose;

namespace MonoBiomech.Engine.Pose.Metrabs;

/// <summary>
/// From the network's two heads to absolute positions: the crop camera's translation of the relative 3D pose that best
/// explains the 2D head (MeTRAbs' reconstruct_absolute), then back into the video camera, mirrored crops swapped back,
/// averaged over the augmentations, with a confidence per point from how much the augmentations disagree.
/// </summary>
internal static class MetrabsReconstruction
{
    /// <summary>Ridge weight of the translation solve (on the normalised unknowns), MeTRAbs' value.</summary>
    public const double TranslationRidgeWeight = 0.01;

    /// <summary>Solves anchored at the previous estimate after the first (removing the ridge's pull towards zero).</summary>
    public const int TranslationRefinements = 2;

    /// <summary>Weight of a joint outside the crop's trusted area in the translation solve (a joint inside weighs 1 more).</summary>
    public const double OutsideJointWeight = 1e-4;

    /// <summary>
    /// The 2D head is trusted inside [lower, side − 40] crop pixels: ¾ of the network's 32-pixel stride in from the
    /// edge, less its 16-pixel centring offset (8 and 216 for 256-pixel crops).
    /// </summary>
    public const double TrustedBorderLowerPixels = 8, TrustedBorderUpperMarginPixels = 40;

    /// <summary>The augmentations' spread (mm) at which a point's confidence is ½ (the PBL paper's choice).</summary>
    public const double ConfidenceHalfSpreadMillimetres = 30;

    /// <summary>Width of the logistic step (mm): a spread of 0 gives 0.95, of 60 mm 0.05.</summary>
    public const double ConfidenceSpreadScaleMillimetres = 10.2;

    /// <summary>
    /// Absolute positions in the crop camera (mm) of one crop's joints: inside the trusted area on the ray of the 2D
    /// head at the depth the 3D head gives (so they project exactly onto the 2D head), elsewhere the 3D head moved by
    /// the solved translation.
    /// </summary>
    /// <param name="coordinates2d">[joint, xy] crop pixels.</param>
    /// <param name="coordinates3d">[joint, xyz] mm, relative to an unknown point.</param>
    /// <param name="absolute">[joint, xyz] mm in the crop camera (output).</param>
    /// <remarks>
    /// The normalisation of the solve's rows is per crop (the reference takes it over the whole batch), so a pose does
    /// not depend on which other crops share its batch: results are the same at any -BatchSize.
    /// </remarks>
    public static void ReconstructAbsolute(ReadOnlySpan<float> coordinates2d, ReadOnlySpan<float> coordinates3d, Matrix3 cropIntrinsics,
        int cropSidePixels, Span<double> absolute)
    {
        int joints = coordinates2d.Length / 2;
        double fx = cropIntrinsics[0, 0], fy = cropIntrinsics[1, 1], cx = cropIntrinsics[0, 2], cy = cropIntrinsics[1, 2];
        double lower = TrustedBorderLowerPixels, upper = cropSidePixels - TrustedBorderUpperMarginPixels;
        Span<double> normalised = joints <= 1024 ? stackalloc double[2 * joints] : new double[2 * joints];
        Span<bool> inside = joints <= 1024 ? stackalloc bool[joints] : new bool[joints];
        double sumSquaresN = 0, sumSquaresB = 0;
        for (int j = 0; j < joints; j++)
        {
            double u = coordinates2d[2 * j], v = coordinates2d[2 * j + 1];
            inside[j] = u >= lower && u <= upper && v >= lower && v <= upper;
            double nx = (u - cx) / fx, ny = (v - cy) / fy, z = coordinates3d[3 * j + 2];
            normalised[2 * j] = nx;
            normalised[2 * j + 1] = ny;
            sumSquaresN += nx * nx + ny * ny;
            double bx = nx * z - coordinates3d[3 * j], by = ny * z - coordinates3d[3 * j + 1];
            sumSquaresB += bx * bx + by * by;
        }
        // Rows scaled to unit RMS so that the ridge weight means the same for every crop size and distance.
        double s2 = Math.Sqrt(sumSquaresN / (2 * joints)), sb = Math.Sqrt(sumSquaresB / (2 * joints));
        if (s2 == 0) s2 = 1;
        if (sb == 0) sb = 1;

        // Normal equations of (x + Tx, y + Ty) = n · (z + Tz) in the scaled unknowns r = (Tx/sb, Ty/sb, Tz·s2/sb).
        double m00 = TranslationRidgeWeight, m11 = TranslationRidgeWeight, m22 = TranslationRidgeWeight, m02 = 0, m12 = 0, v0 = 0, v1 = 0, v2 = 0;
        for (int j = 0; j < joints; j++)
        {
            double w = (inside[j] ? 1 : 0) + OutsideJointWeight, w2 = w * w;
            double ax = -normalised[2 * j] / s2, ay = -normalised[2 * j + 1] / s2, z = coordinates3d[3 * j + 2];
            double bx = (normalised[2 * j] * z - coordinates3d[3 * j]) / sb, by = (normalised[2 * j + 1] * z - coordinates3d[3 * j + 1]) / sb;
            m00 += w2;
            m11 += w2;
            m02 += w2 * ax;
            m12 += w2 * ay;
            m22 += w2 * (ax * ax + ay * ay);
            v0 += w2 * bx;
            v1 += w2 * by;
            v2 += w2 * (ax * bx + ay * by);
        }
        // MeTRAbs' ridge solve pulls r towards 0 by about λ / (joints in view), 0.1 mm at 40 joints; two more solves
        // anchored at the last estimate (iterated Tikhonov) leave the bias at (λ / joints)³ while keeping the ridge's
        // stability when few joints are in view.
        Matrix3 inverse = new Matrix3(m00, 0, m02, 0, m11, m12, m02, m12, m22).Inverse();
        var rhs = new Vector3d(v0, v1, v2);
        Vector3d r = inverse * rhs;
        for (int refinement = 0; refinement < TranslationRefinements; refinement++)
            r = inverse * (rhs + TranslationRidgeWeight * r);
        double tx = r.X * sb, ty = r.Y * sb, tz = r.Z * sb / s2;

        for (int j = 0; j < joints; j++)
        {
            double depth = coordinates3d[3 * j + 2] + tz;
            if (inside[j])
            {
                absolute[3 * j] = normalised[2 * j] * depth;
                absolute[3 * j + 1] = normalised[2 * j + 1] * depth;
            }
            else
            {
                absolute[3 * j] = coordinates3d[3 * j] + tx;
                absolute[3 * j + 1] = coordinates3d[3 * j + 1] + ty;
            }
            absolute[3 * j + 2] = depth;
        }
    }

    /// <summary>
    /// Swaps the joints of a mirrored crop's pose back: its "left knee" is the subject's right knee.
    /// </summary>
    /// <param name="pose">[joint, xyz], changed in place.</param>
    /// <param name="mirrorIndices">Per joint, its left/right counterpart (itself when unpaired).</param>
    public static void Unmirror(Span<double> pose, IReadOnlyList<int> mirrorIndices)
    {
        double[] mirrored = pose.ToArray();
        for (int j = 0; j < mirrorIndices.Count; j++)
            for (int c = 0; c < 3; c++) pose[3 * j + c] = mirrored[3 * mirrorIndices[j] + c];
    }

    /// <summary>
    /// Linear recombination of the joints into another joint set, out[j'] = Σ_j in[j] · W[j, j'] (a model whose
    /// metadata carries recombination weights).
    /// </summary>
    /// <param name="pose">[joint, xyz].</param>
    /// <param name="weights">[joint, output joint], row-major.</param>
    /// <param name="recombined">[output joint, xyz] (output).</param>
    public static void Recombine(ReadOnlySpan<double> pose, ReadOnlySpan<float> weights, Span<double> recombined)
    {
        int joints = pose.Length / 3, outputs = recombined.Length / 3;
        recombined.Clear();
        for (int j = 0; j < joints; j++)
            for (int o = 0; o < outputs; o++)
            {
                double w = weights[j * outputs + o];
                if (w == 0) continue;
                for (int c = 0; c < 3; c++) recombined[3 * o + c] += w * pose[3 * j + c];
            }
    }

    /// <summary>
    /// One frame's keypoints from its augmented crops: each crop's joints rotated into the video camera, then per
    /// keypoint the mean 3D position, the mean of the per-crop projections, and the confidence.
    /// </summary>
    /// <param name="cropPoses">[crop, joint, xyz] mm in each crop's camera (mirrored crops already swapped back), all joints.</param>
    /// <param name="geometries">The crops, in the order of <paramref name="cropPoses"/>.</param>
    /// <param name="skeletonIndices">The keypoints wanted, as indices into the network's joints.</param>
    /// <param name="keypoints3d">[keypoint, xyz] mm in the video camera (output).</param>
    /// <param name="keypoints2d">[keypoint, xy] pixels (output).</param>
    /// <param name="confidences">[keypoint] (output).</param>
    public static void CombineAugmentations(ReadOnlySpan<double> cropPoses, IReadOnlyList<MetrabsCropGeometry> geometries, IReadOnlyList<int> skeletonIndices,
        CameraIntrinsics camera, Span<double> keypoints3d, Span<double> keypoints2d, Span<double> confidences)
    {
        int crops = geometries.Count, keypoints = skeletonIndices.Count, joints = cropPoses.Length / (3 * crops);
        var inCamera = new Vector3d[crops * keypoints];
        var centroids = new Vector3d[crops];
        keypoints3d.Clear();
        keypoints2d.Clear();
        for (int a = 0; a < crops; a++)
        {
            Matrix3 back = geometries[a].Rotation.Transpose(); // the mirror is part of the rotation
            Vector3d sum = default;
            for (int j = 0; j < joints; j++)
                sum += new Vector3d(cropPoses[(a * joints + j) * 3], cropPoses[(a * joints + j) * 3 + 1], cropPoses[(a * joints + j) * 3 + 2]);
            centroids[a] = back * ((1.0 / joints) * sum);
            for (int k = 0; k < keypoints; k++)
            {
                int at = (a * joints + skeletonIndices[k]) * 3;
                Vector3d p = back * new Vector3d(cropPoses[at], cropPoses[at + 1], cropPoses[at + 2]);
                inCamera[a * keypoints + k] = p;
                keypoints3d[3 * k] += p.X / crops;
                keypoints3d[3 * k + 1] += p.Y / crops;
                keypoints3d[3 * k + 2] += p.Z / crops;
                (double u, double v) = camera.Project(p.X, p.Y, p.Z);
                keypoints2d[2 * k] += u / crops;
                keypoints2d[2 * k + 1] += v / crops;
            }
        }
        SpreadConfidences(inCamera, centroids, keypoints, confidences);
    }

    /// <summary>
    /// Confidence of each keypoint from the spread of its augmented positions, each augmentation's pose first centred on
    /// the centroid of all its joints: the augmentations disagree about the distance (the monocular depth ambiguity) for
    /// all points alike, which says nothing about a single point; and the centroid of hundreds of joints hardly moves
    /// with one bad point. One augmentation shows no spread: confidence 1.
    /// </summary>
    private static void SpreadConfidences(Vector3d[] inCamera, Vector3d[] centroids, int keypoints, Span<double> confidences)
    {
        int crops = centroids.Length;
        if (crops == 1)
        {
            confidences.Fill(1);
            return;
        }
        for (int k = 0; k < keypoints; k++)
        {
            Vector3d mean = default;
            for (int a = 0; a < crops; a++) mean += inCamera[a * keypoints + k] - centroids[a];
            mean = (1.0 / crops) * mean;
            double variance = 0;
            for (int a = 0; a < crops; a++)
            {
                Vector3d d = inCamera[a * keypoints + k] - centroids[a] - mean;
                variance += (d.X * d.X + d.Y * d.Y + d.Z * d.Z) / crops;
            }
            double spread = Math.Sqrt(variance);
            confidences[k] = 1 / (1 + Math.Exp((spread - ConfidenceHalfSpreadMillimetres) / ConfidenceSpreadScaleMillimetres));
        }
    }
}
