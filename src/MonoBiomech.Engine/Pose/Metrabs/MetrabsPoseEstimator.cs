using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using MonoBiomech.Detection;
using MonoBiomech.Engine.Formats;
using MonoBiomech.Engine.Video;
using MonoBiomech.Pose;
using MonoBiomech.Video;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace MonoBiomech.Engine.Pose.Metrabs;

/// <summary>A loaded MeTRAbs model: its backbone and metadata; shared by the videos of a session (ONNX Runtime sessions run from any thread).</summary>
internal sealed class MetrabsModel(MetrabsBackbone backbone, MetrabsMetadata metadata) : IDisposable
{
    public MetrabsBackbone Backbone { get; } = backbone;
    public MetrabsMetadata Metadata { get; } = metadata;

    public void Dispose() => Backbone.Dispose();
}

/// <summary>
/// MeTRAbs over a video: every frame with a subject box is cut into its augmented crops on a decoding thread while
/// the network runs the previous batch; each batch's results go back into the video camera at once, so memory holds
/// two batches and the result arrays, whatever the video's length.
/// </summary>
internal static class MetrabsPoseEstimator
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(200);

    // Loaded models by file identity and thread count: a batch of videos loads the network once.
    private static readonly ConcurrentDictionary<string, Lazy<MetrabsModel>> Models = new();

    /// <summary>The model in these files, loaded once per process (a file changed on disk is loaded again).</summary>
    /// <exception cref="PoseModelUnreadableException">The backbone cannot be loaded.</exception>
    /// <exception cref="MetrabsMetadataException">The metadata is not a MeTRAbs metadata pickle.</exception>
    /// <exception cref="PoseModelMismatchException">The backbone does not fit the metadata.</exception>
    public static MetrabsModel Load(string backbonePath, string metadataPath, int threadCount)
    {
        string Identity(string path) => $"{Path.GetFullPath(path)}@{File.GetLastWriteTimeUtc(path).Ticks}";
        string key = $"{Identity(backbonePath)}|{Identity(metadataPath)}|{threadCount}";
        var lazy = Models.GetOrAdd(key, _ => new Lazy<MetrabsModel>(() =>
        {
            MetrabsMetadata metadata = MetrabsMetadata.Read(metadataPath);
            return new MetrabsModel(MetrabsBackbone.Load(backbonePath, metadata.JointNames.Count, metadata.InputResolutionPixels, threadCount), metadata);
        }, LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            Models.TryRemove(new KeyValuePair<string, Lazy<MetrabsModel>>(key, lazy));
            throw;
        }
    }

    /// <summary>One decoded frame's place in a batch.</summary>
    /// <param name="FirstCrop">Index of its first crop in the batch; its crops follow one per augmentation. −1: no subject box.</param>
    private sealed record FrameSlot(int FrameIndex, double TimestampSeconds, int FirstCrop, MetrabsCropGeometry[] Geometries);

    /// <summary>
    /// A batch of frames and their crops, filled by the decoding thread in the backbone's element type (float16 for the
    /// published export, converted there rather than on the inference thread).
    /// </summary>
    private sealed class Batch(MetrabsBackbone backbone, int cropCapacity)
    {
        private readonly float[]? _crops = backbone.HalfPrecisionInput ? null : new float[cropCapacity * backbone.CropValueCount];
        private readonly Float16[]? _halfCrops = backbone.HalfPrecisionInput ? new Float16[cropCapacity * backbone.CropValueCount] : null;

        public List<FrameSlot> Frames { get; } = new();
        public int CropCount { get; set; }

        /// <summary>Cuts crop <paramref name="index"/> of the batch straight into its place.</summary>
        public void Cut(MetrabsCropper cropper, MetrabsCropGeometry geometry, int index, bool channelsLast)
        {
            int values = cropper.CropValueCount;
            if (_halfCrops is not null)
                cropper.Crop(geometry, MemoryMarshal.Cast<Float16, Half>(_halfCrops.AsSpan(index * values, values)), channelsLast);
            else
                cropper.Crop(geometry, _crops.AsSpan(index * values, values), channelsLast);
        }

        public void Run(MetrabsBackbone backbone, float[] coordinates2d, float[] coordinates3d, CancellationToken cancellationToken)
        {
            if (_halfCrops is not null) backbone.Run(_halfCrops, CropCount, coordinates2d, coordinates3d, cancellationToken);
            else backbone.Run(_crops!, CropCount, coordinates2d, coordinates3d, cancellationToken);
        }
    }

    /// <summary>The subject's keypoints in every decoded frame, in the video camera: 3D in mm (absolute), 2D in pixels.</summary>
    /// <exception cref="VideoReadException">The video cannot be read.</exception>
    /// <exception cref="MetrabsSkeletonException">The metadata has no usable skeleton of that name.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; a running inference stops within a fraction of a second.</exception>
    public static PoseSequence Run(MetrabsModel model, PersonDetectionResult detection, PoseEstimationSettings settings, IProgress<PoseProgress>? progress,
        CancellationToken cancellationToken)
    {
        MetrabsMetadata metadata = model.Metadata;
        MetrabsSkeleton skeleton = metadata.Skeleton(settings.Skeleton);
        IReadOnlyList<MetrabsAugmentation> augmentations = MetrabsAugmentation.Table(settings.AugmentationCount);
        int side = metadata.InputResolutionPixels, networkJoints = metadata.JointNames.Count, joints = metadata.RecombinedJointCount;
        int keypoints = skeleton.JointIndices.Count, augmentationCount = augmentations.Count;
        int cropsPerBatch = settings.BatchSizeFrames * augmentationCount;

        using var reader = VideoReader.Open(detection.Video.Path);
        VideoInfo info = reader.Info;
        CameraIntrinsics camera = PoseEstimationPipeline.CameraForVideo(settings, info);
        using var undistortion = camera.IsDistorted ? new FrameUndistortion(camera) : null;
        CameraIntrinsics pinhole = camera with { DistortionCoefficients = null }; // what the crops and the keypoints refer to

        int capacity = Math.Max(16, info.FrameCount);
        var timestamps = new List<double>(capacity);
        var k3 = new List<double>(capacity * keypoints * 3);
        var k2 = new List<double>(capacity * keypoints * 2);
        var confidences = new List<double>(capacity * keypoints);

        // Two batch buffers: one being filled by the decoder while the network runs the other.
        using var free = new BlockingCollection<Batch>();
        for (int i = 0; i < 2; i++) free.Add(new Batch(model.Backbone, cropsPerBatch));
        using var filled = new BlockingCollection<Batch>(boundedCapacity: 2);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task decoding = Task.Run(() => Decode(reader, detection, pinhole, undistortion, augmentations, side, settings.BatchSizeFrames, model.Backbone.ChannelsLast,
            free, filled, stop.Token), stop.Token);

        var stopwatch = Stopwatch.StartNew();
        var lastReport = -ProgressInterval;
        var output2d = new float[cropsPerBatch * networkJoints * 2];
        var output3d = new float[cropsPerBatch * networkJoints * 3];
        var networkPose = new double[networkJoints * 3];
        var framePoses = new double[augmentationCount * joints * 3];
        var frame3d = new double[keypoints * 3];
        var frame2d = new double[keypoints * 2];
        var frameConfidences = new double[keypoints];
        try
        {
            foreach (Batch batch in filled.GetConsumingEnumerable(stop.Token))
            {
                if (batch.CropCount > 0) batch.Run(model.Backbone, output2d, output3d, stop.Token);
                foreach (FrameSlot slot in batch.Frames)
                {
                    timestamps.Add(slot.TimestampSeconds);
                    if (slot.FirstCrop < 0)
                    {
                        for (int k = 0; k < keypoints; k++)
                        {
                            k3.AddRange(new[] { double.NaN, double.NaN, double.NaN });
                            k2.AddRange(new[] { double.NaN, double.NaN });
                            confidences.Add(0);
                        }
                        continue;
                    }
                    for (int a = 0; a < augmentationCount; a++)
                    {
                        int crop = slot.FirstCrop + a;
                        MetrabsReconstruction.ReconstructAbsolute(output2d.AsSpan(crop * networkJoints * 2, networkJoints * 2),
                            output3d.AsSpan(crop * networkJoints * 3, networkJoints * 3), slot.Geometries[a].CropIntrinsics, side, networkPose);
                        if (slot.Geometries[a].Augmentation.Flipped) MetrabsReconstruction.Unmirror(networkPose, metadata.MirrorIndices);
                        Span<double> target = framePoses.AsSpan(a * joints * 3, joints * 3);
                        if (metadata.RecombinationWeights is { } weights) MetrabsReconstruction.Recombine(networkPose, weights, target);
                        else networkPose.CopyTo(target);
                    }
                    MetrabsReconstruction.CombineAugmentations(framePoses, slot.Geometries, skeleton.JointIndices, pinhole, frame3d, frame2d, frameConfidences);
                    k3.AddRange(frame3d);
                    k2.AddRange(frame2d);
                    confidences.AddRange(frameConfidences);
                }
                batch.Frames.Clear();
                batch.CropCount = 0;
                free.Add(batch);
                if (progress is not null && stopwatch.Elapsed - lastReport >= ProgressInterval)
                {
                    lastReport = stopwatch.Elapsed;
                    progress.Report(new PoseProgress(PoseEstimationPipeline.KeypointsPhase, timestamps.Count, info.FrameCount, timestamps.Count / stopwatch.Elapsed.TotalSeconds));
                }
            }
        }
        catch
        {
            stop.Cancel();
            throw;
        }
        finally
        {
            // The decoder's own error (an unreadable video) wins over the end of the batches it caused.
            try { decoding.GetAwaiter().GetResult(); }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
        }
        cancellationToken.ThrowIfCancellationRequested();
        progress?.Report(new PoseProgress(PoseEstimationPipeline.KeypointsPhase, timestamps.Count, info.FrameCount, timestamps.Count / Math.Max(1e-9, stopwatch.Elapsed.TotalSeconds)));
        // bml_movi_87 under the names upstream's fit and our body models' sites give its points (LHeel for lhee, ...), in MeTRAbs' order.
        IReadOnlyList<string> names = skeleton.Name == PoseEstimationSettings.DefaultMetrabsSkeleton ? KeypointsNpz.BmlMovi87JointNames : skeleton.JointNames;
        return new PoseSequence(info.Path, names, timestamps.ToArray(), k3.ToArray(), k2.ToArray(), confidences.ToArray(), pinhole)
        {
            KeypointSetName = skeleton.Name,
            Keypoints3dAreRootRelative = false,
            SubjectBoxes = PoseEstimationPipeline.BoxesPerFrame(detection, timestamps.Count),
            VideoDecoderDescription = reader.Decoder,
            PoseModelDescription = $"MeTRAbs ({Path.GetFileName(model.Backbone.ModelPath)}, {model.Backbone.InputDescription} {side}x{side}), " +
                $"{augmentationCount} augmentation{(augmentationCount == 1 ? "" : "s")}, skeleton {skeleton.Name}",
        };
    }

    // The decoding thread: frames in, batches of crops out, until the video ends or the stage stops.
    private static void Decode(VideoReader reader, PersonDetectionResult detection, CameraIntrinsics camera, FrameUndistortion? undistortion,
        IReadOnlyList<MetrabsAugmentation> augmentations, int side, int framesPerBatch, bool channelsLast,
        BlockingCollection<Batch> free, BlockingCollection<Batch> filled, CancellationToken cancellationToken)
    {
        try
        {
            using var cropper = new MetrabsCropper(side);
            using var bgrFrame = new Mat(); // only where the frame is undistorted first
            Batch? batch = null;
            bool more = true;
            while (more)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // The frame as decoded: the cropper converts only the part its crops see, and nothing of a frame without a subject.
                more = reader.TryReadFramePixels(out VideoFramePixels frame, out VideoFrameStamp stamp);
                if (more)
                {
                    batch ??= free.Take(cancellationToken);
                    PersonBox? box = stamp.FrameIndex < detection.SubjectBoxes.Count ? detection.SubjectBoxes[stamp.FrameIndex] : null;
                    if (box is null)
                        batch.Frames.Add(new FrameSlot(stamp.FrameIndex, stamp.TimestampSeconds, -1, Array.Empty<MetrabsCropGeometry>()));
                    else
                    {
                        PersonBox pinholeBox = undistortion?.Apply(box) ?? box;
                        var geometries = augmentations.Select(a => MetrabsCropGeometry.For(camera, pinholeBox, a, side)).ToArray();
                        if (undistortion is null) cropper.SetFrame(frame, geometries);
                        else
                        {
                            frame.ToBgr(bgrFrame);
                            cropper.SetFrame(undistortion.Apply(bgrFrame), geometries);
                        }
                        int first = batch.CropCount;
                        for (int a = 0; a < geometries.Length; a++) batch.Cut(cropper, geometries[a], first + a, channelsLast);
                        batch.CropCount += geometries.Length;
                        batch.Frames.Add(new FrameSlot(stamp.FrameIndex, stamp.TimestampSeconds, first, geometries));
                    }
                }
                if (batch is not null && (!more || batch.Frames.Count == framesPerBatch))
                {
                    filled.Add(batch, cancellationToken);
                    batch = null;
                }
            }
        }
        finally
        {
            filled.CompleteAdding();
        }
    }
}
