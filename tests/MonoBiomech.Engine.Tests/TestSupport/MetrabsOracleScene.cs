using MonoBiomech.Detection;
using MonoBiomech.Engine.Pose.Metrabs;
using MonoBiomech.Engine.Video;
using MonoBiomech.Pose;
using MonoBiomech.Tests;
using MonoBiomech.Video;
using OpenCvSharp;

namespace MonoBiomech.Engine.Tests.TestSupport;

/// <summary>
/// A video whose MeTRAbs answer is known exactly. Each frame is painted in its own colour; a point cloud of the
/// metadata's 555 joints stands 3 m in front of the camera where the frame's subject box is (image centre or a
/// corner). The backbone is an ONNX oracle (<see cref="OnnxModelWriter.MetrabsLookupOracle"/>) that recognises each crop
/// by the colour at its centre (the frame, and the augmentation's gamma) and answers with that crop camera's exact 2D
/// projection and relative 3D position of every joint, mirrored crops with left and right swapped, as a real network
/// would. The stage must give back the cloud in the video camera.
/// </summary>
/// <param name="ModelFolder">Holds metrabs_backbone.onnx (the oracle) and metrabs_metadata.pkl (the real one from ../shared).</param>
/// <param name="Joints">Per frame, the 555 joints in the camera frame (mm); null where there is no subject.</param>
internal sealed record MetrabsOracleScene(string VideoPath, string ModelFolder, CameraIntrinsics Camera, PersonBox?[] Boxes, Vector3d[]?[] Joints, MetrabsMetadata Metadata)
{
    public const int Width = 640, Height = 480;

    // Frame colours (red, green; blue 128): their log ratio tells the frames apart whatever the gamma.
    private static readonly (int Red, int Green)[] Colours = { (200, 60), (60, 200), (230, 130), (130, 230), (170, 90), (90, 170) };

    // Where the subject box is centred in each frame; null: no subject in that frame.
    private static readonly (double X, double Y)?[] BoxCentres = { (320, 240), (95, 85), (545, 85), null, (95, 395), (545, 395) };

    public int FrameCount => Boxes.Length;

    /// <summary>Writes the scene into <paramref name="folder"/> for crops of <paramref name="augmentationCount"/> augmentations.</summary>
    public static MetrabsOracleScene Write(string folder, int augmentationCount, bool halfPrecisionInput = true)
    {
        string modelFolder = Path.Combine(folder, "models");
        Directory.CreateDirectory(modelFolder);
        string metadataPath = Path.Combine(modelFolder, MetrabsModelFiles.MetadataFileName);
        File.Copy(SharedData.DataFile("metrabs_metadata.pkl"), metadataPath);
        MetrabsMetadata metadata = MetrabsMetadata.Read(metadataPath);
        var camera = CameraIntrinsics.FromFieldOfView(Width, Height, 67);

        string videoPath = Path.Combine(folder, "oracle.mp4");
        using (var writer = new VideoWriter(videoPath, FourCC.MP4V, 30, new Size(Width, Height)))
        using (var frame = new Mat(Height, Width, MatType.CV_8UC3))
            foreach (var (red, green) in Colours)
            {
                frame.SetTo(new Scalar(128, green, red));
                writer.Write(frame);
            }

        int jointCount = metadata.JointNames.Count;
        var random = new Random(5);
        var boxes = new PersonBox?[Colours.Length];
        var joints = new Vector3d[]?[Colours.Length];
        for (int f = 0; f < Colours.Length; f++)
        {
            if (BoxCentres[f] is not { } centre) continue;
            Vector3d middle = 3000 * (MetrabsCropGeometry.IntrinsicMatrix(camera).Inverse() * new Vector3d(centre.X, centre.Y, 1));
            joints[f] = Enumerable.Range(0, jointCount).Select(_ => middle + new Vector3d(500 * (random.NextDouble() - 0.5), 1700 * (random.NextDouble() - 0.5),
                300 * (random.NextDouble() - 0.5))).ToArray();
            var projected = joints[f]!.Select(p => camera.Project(p.X, p.Y, p.Z)).ToArray();
            double left = projected.Min(p => p.X), top = projected.Min(p => p.Y);
            boxes[f] = new PersonBox((float)left, (float)top, (float)(projected.Max(p => p.X) - left), (float)(projected.Max(p => p.Y) - top), 0.9f);
        }

        // The colours as the decoder gives them back (a lossy codec moves them by a level or two).
        var decoded = new (double Red, double Green)[Colours.Length];
        using (var reader = VideoReader.Open(videoPath))
        using (var frame = new Mat())
            for (int f = 0; reader.TryReadFrame(frame, out _); f++)
            {
                Vec3b pixel = frame.At<Vec3b>(Height / 2, Width / 2);
                decoded[f] = (pixel.Item2, pixel.Item1);
            }

        IReadOnlyList<MetrabsAugmentation> augmentations = MetrabsAugmentation.Table(augmentationCount);
        int side = metadata.InputResolutionPixels;
        var keys = new List<float>();
        var table2d = new List<float>();
        var table3d = new List<float>();
        for (int f = 0; f < Colours.Length; f++)
        {
            if (joints[f] is not { } cloud) continue;
            foreach (MetrabsAugmentation augmentation in augmentations)
            {
                float Encoded(double value) => (float)(Half)Math.Pow(Math.Pow(value / 255, 2.2), augmentation.Gamma / 2.2);
                keys.Add(Encoded(decoded[f].Red));
                keys.Add(Encoded(decoded[f].Green));
                var geometry = MetrabsCropGeometry.For(camera, boxes[f]!, augmentation, side);
                // What the network sees: in a mirrored crop the subject's left joints appear as right ones.
                Vector3d[] inCrop = Enumerable.Range(0, jointCount)
                    .Select(j => geometry.Rotation * cloud[augmentation.Flipped ? metadata.MirrorIndices[j] : j]).ToArray();
                Vector3d origin = new Vector3d(inCrop.Average(p => p.X), inCrop.Average(p => p.Y), inCrop.Average(p => p.Z)) - new Vector3d(1100, 1100, 1100);
                foreach (Vector3d q in inCrop)
                {
                    (double u, double v) = (geometry.CropIntrinsics * q).Project();
                    table2d.Add((float)u);
                    table2d.Add((float)v);
                    Vector3d relative = q - origin;
                    table3d.Add((float)relative.X);
                    table3d.Add((float)relative.Y);
                    table3d.Add((float)relative.Z);
                }
            }
        }
        File.WriteAllBytes(Path.Combine(modelFolder, MetrabsModelFiles.BackboneFileName), OnnxModelWriter.MetrabsLookupOracle(side, jointCount,
            keys.ToArray(), table2d.ToArray(), table3d.ToArray(), halfPrecisionInput));
        return new MetrabsOracleScene(videoPath, modelFolder, camera, boxes, joints, metadata);
    }

    /// <summary>A person detection that found exactly the scene's subject boxes.</summary>
    public PersonDetectionResult Detection()
    {
        VideoInfo info;
        using (var reader = VideoReader.Open(VideoPath)) info = reader.Info;
        var frames = Boxes.Select((b, i) => new FramePersons(i, i / 30.0, b is null ? Array.Empty<PersonBox>() : new[] { b })).ToArray();
        return new PersonDetectionResult(info, frames, Array.Empty<PersonTrack>(), null, Boxes, false, "oracle boxes", TimeSpan.Zero, new PersonDetectionSettings());
    }

    /// <summary>Settings that run MeTRAbs from the scene's model folder with the scene's camera.</summary>
    public PoseEstimationSettings Settings(int augmentationCount, int batchSizeFrames = 2) => new()
    {
        Model = PoseModel.MeTRAbs,
        ModelDirectory = ModelFolder,
        Camera = Camera,
        AugmentationCount = augmentationCount,
        BatchSizeFrames = batchSizeFrames,
    };
}
