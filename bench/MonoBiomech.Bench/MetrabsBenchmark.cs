using System.Diagnostics;
using MonoBiomech.Detection;
using MonoBiomech.Engine.Pose;
using MonoBiomech.Engine.Pose.Metrabs;
using MonoBiomech.Engine.Tests.TestSupport;
using MonoBiomech.Engine.Video;
using MonoBiomech.Pose;
using MonoBiomech.Tests;
using MonoBiomech.Video;

namespace MonoBiomech.Bench;

/// <summary>
/// `metrabs [frames] [long-seconds] [parts | stage]`: the MeTRAbs stage on 1080p video with a synthetic backbone of the real one's cost
/// (EfficientNetV2-S's layers at 256 px with random weights, <see cref="OnnxModelWriter.EfficientNetV2SBackbone"/>), against ONNX
/// Runtime alone on the same number of crops in the same batches: crops per second for 1 and 5 augmentations and the
/// stage's own share (decode, crop, reconstruction; target under 10% of inference), from wall time (pairs of runs) and
/// from processor time (the own work measured alone, the ffmpeg decoder's included). Then peak memory on a short and a
/// long 1080p video with a cheap backbone: it must not grow with the length beyond the result arrays.
/// `parts` prints only the stage's own work per frame, by part, and split into what a video costs once and each frame
/// costs; `stage` only the stage's crops/s, three runs (to compare decoders: MONOBIOMECH_FFMPEG=none decodes with OpenCV).
/// </summary>
internal static class MetrabsBenchmark
{
    private const int Width = 1920, Height = 1080, Repetitions = 5;
    private static readonly int BatchFrames = new PoseEstimationSettings().BatchSizeFrames;

    public static void Run(string[] args)
    {
        int[] numbers = BenchArguments.PositiveIntegers(args);
        int frames = numbers.Length > 0 ? numbers[0] : 64;
        int longSeconds = numbers.Length > 1 ? numbers[1] : 120;
        using var folder = new TempFolder();
        string metadataPath = folder.File(MetrabsModelFiles.MetadataFileName);
        File.Copy(SharedData.DataFile("metrabs_metadata.pkl"), metadataPath);
        var metadata = MetrabsMetadata.Read(metadataPath);
        int side = metadata.InputResolutionPixels, joints = metadata.JointNames.Count;
        Console.WriteLine($"metrabs benchmark: {Environment.ProcessorCount} processors, {Width}x{Height} video, crops {side} px, {joints} joints, " +
            "synthetic EfficientNetV2-S backbone (random weights)");

        string costFolder = Directory.CreateDirectory(folder.File("cost")).FullName;
        File.Copy(metadataPath, Path.Combine(costFolder, MetrabsModelFiles.MetadataFileName));
        File.WriteAllBytes(Path.Combine(costFolder, MetrabsModelFiles.BackboneFileName), OnnxModelWriter.EfficientNetV2SBackbone(side, joints));
        string clip = folder.File("clip.mp4");
        Ffmpeg.Run("-f", "lavfi", "-i", $"testsrc2=size={Width}x{Height}:rate=30:duration={frames / 30.0:F3}", "-c:v", "libx264", "-pix_fmt", "yuv420p", clip);
        PersonDetectionResult detection = FixedSubject(clip);
        // the same pattern four times as long: what the own work costs once per video, and what each frame adds
        string longerClip = folder.File("longer.mp4");
        Ffmpeg.Run("-f", "lavfi", "-i", $"testsrc2=size={Width}x{Height}:rate=30:duration={4 * frames / 30.0:F3}", "-c:v", "libx264", "-pix_fmt", "yuv420p", longerClip);
        PersonDetectionResult longerDetection = FixedSubject(longerClip);
        using (var reader = VideoReader.Open(clip))
        using (var first = new OpenCvSharp.Mat())
        {
            reader.TryReadFrame(first, out _); // the decoder is chosen at the first read
            Console.WriteLine($"  decoder: {reader.Decoder}");
        }
        PoseEstimationSettings StageSettings(int augmentations) =>
            new() { Model = PoseModel.MeTRAbs, ModelDirectory = costFolder, AugmentationCount = augmentations, BatchSizeFrames = BatchFrames };
        if (args.Contains("parts"))
        {
            foreach (int augmentations in new[] { 1, 5 })
            {
                (double onClip, double perVideo, double perFrame) = OwnWork(detection, longerDetection, metadata, augmentations);
                Console.WriteLine($"    processor time: {onClip:F1} ms a frame of the {frames}-frame clip; {perVideo:F0} ms once per video and {perFrame:F1} ms each frame");
            }
            return;
        }
        if (args.Contains("stage"))
        {
            foreach (int augmentations in new[] { 1, 5 })
            {
                PoseEstimationSettings settings = StageSettings(augmentations);
                PoseEstimationPipeline.Run(detection, settings, null, CancellationToken.None); // warm
                var rates = Enumerable.Range(0, 3).Select(_ =>
                {
                    var clock = Stopwatch.StartNew();
                    PoseSequence poses = PoseEstimationPipeline.Run(detection, settings, null, CancellationToken.None);
                    return poses.FramesWithKeypoints * augmentations / clock.Elapsed.TotalSeconds;
                }).ToArray();
                Console.WriteLine($"  {augmentations} augmentation{(augmentations == 1 ? " " : "s")}: stage {string.Join(", ", rates.Select(r => r.ToString("F1")))} crops/s");
            }
            return;
        }

        string backbone = Path.Combine(costFolder, MetrabsModelFiles.BackboneFileName);
        Console.WriteLine("  ONNX Runtime alone, 5 augmentations: " + string.Join(", ", new[] { 1, 2, 4, 8 }.Select(batchFrames =>
            $"{frames * 5 / InferenceAlone(backbone, joints, side, frames * 5, batchFrames * 5):F1} crops/s at {batchFrames} frames a batch")));
        var inferenceProcessorMillisecondsPerFrame = new Dictionary<int, double>();
        foreach (int augmentations in new[] { 1, 5 })
        {
            PoseEstimationSettings settings = StageSettings(augmentations);
            PoseEstimationPipeline.Run(detection, settings, null, CancellationToken.None); // warm: load, JIT, page cache
            // Pairs of runs back to back, the stage then ONNX Runtime alone: each pair's ratio sees the same machine (a
            // shared VM's speed drifts by more than the share measured), and the median of the pairs is reported.
            var pairs = new List<(double Stage, double Inference, double StageCpu, double InferenceCpu)>();
            PoseSequence? poses = null;
            for (int run = 0; run < Repetitions; run++)
            {
                var clock = Stopwatch.StartNew();
                TimeSpan cpu = ProcessorTime.Used();
                poses = PoseEstimationPipeline.Run(detection, settings, null, CancellationToken.None);
                double stage = clock.Elapsed.TotalSeconds, stageCpu = (ProcessorTime.Used() - cpu).TotalSeconds;
                cpu = ProcessorTime.Used();
                double inference = InferenceAlone(backbone, joints, side, poses.FramesWithKeypoints * augmentations, BatchFrames * augmentations);
                pairs.Add((stage, inference, stageCpu, (ProcessorTime.Used() - cpu).TotalSeconds));
            }
            var median = pairs.OrderBy(p => p.Stage / p.Inference).ElementAt(pairs.Count / 2);
            (double stageSeconds, double inferenceSeconds, double stageCpuSeconds, double inferenceCpuSeconds) = median;
            inferenceProcessorMillisecondsPerFrame[augmentations] = pairs.Select(p => 1000 * p.InferenceCpu / poses!.FramesWithKeypoints).Order().ElementAt(pairs.Count / 2);
            double[] shares = pairs.Select(p => 100 * (p.Stage - p.Inference) / p.Inference).OrderBy(x => x).ToArray();
            int crops = poses!.FramesWithKeypoints * augmentations;
            Console.WriteLine($"  {augmentations} augmentation{(augmentations == 1 ? " " : "s")}: stage {crops / stageSeconds,6:F1} crops/s ({poses.FrameCount / stageSeconds:F2} frames/s), " +
                $"ONNX Runtime alone {crops / inferenceSeconds,6:F1} crops/s; the stage's own work {100 * (stageSeconds - inferenceSeconds) / inferenceSeconds:F1}% of inference time " +
                $"(median of {pairs.Count} pairs; {string.Join(", ", shares.Select(x => x.ToString("F1")))}); " +
                $"processor time per frame: stage {1000 * stageCpuSeconds / poses.FrameCount:F0} ms, ONNX Runtime alone {1000 * inferenceCpuSeconds / poses.FrameCount:F0} ms");
        }

        // The same share by processor time, which a shared VM's stolen time does not inflate as it does wall time: the
        // stage's own work measured on its own, against ONNX Runtime's processor time alone (median of the pairs); on
        // the clip, and for each frame beyond a video's fixed costs (starting ffmpeg, OpenCV's check of the file).
        foreach (int augmentations in new[] { 1, 5 })
        {
            (double onClip, double perVideo, double perFrame) = OwnWork(detection, longerDetection, metadata, augmentations);
            double inference = inferenceProcessorMillisecondsPerFrame[augmentations];
            Console.WriteLine($"    by processor time: {onClip:F1} ms a frame of the {frames}-frame clip against ONNX Runtime's {inference:F0} ms a frame alone, {100 * onClip / inference:F1}%; " +
                $"{perVideo:F0} ms once per video and {perFrame:F1} ms each frame, {100 * perFrame / inference:F1}%");
        }

        // Memory: the same stage with a cheap backbone over a short and a long video.
        string cheapFolder = Directory.CreateDirectory(folder.File("cheap")).FullName;
        File.Copy(metadataPath, Path.Combine(cheapFolder, MetrabsModelFiles.MetadataFileName));
        // costs next to nothing: one table row for every crop
        File.WriteAllBytes(Path.Combine(cheapFolder, MetrabsModelFiles.BackboneFileName), OnnxModelWriter.MetrabsLookupOracle(side, joints, new[] { 0.5f, 0.5f },
            Enumerable.Range(0, joints * 2).Select(i => 100f + i % 50).ToArray(), Enumerable.Range(0, joints * 3).Select(i => 1000f + i % 300).ToArray(), halfPrecisionInput: true));
        long? previousPeak = null;
        int previousFrames = 0;
        foreach (int seconds in new[] { Math.Max(2, longSeconds / 8), longSeconds })
        {
            string video = folder.File($"long{seconds}.mp4");
            Ffmpeg.Run("-f", "lavfi", "-i", $"testsrc2=size={Width}x{Height}:rate=30:duration={seconds}", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", video);
            var settings = new PoseEstimationSettings { Model = PoseModel.MeTRAbs, ModelDirectory = cheapFolder, BatchSizeFrames = BatchFrames };
            GC.Collect();
            var clock = Stopwatch.StartNew();
            PoseSequence poses = PoseEstimationPipeline.Run(FixedSubject(video), settings, null, CancellationToken.None);
            long peak = Process.GetCurrentProcess().PeakWorkingSet64;
            long resultBytes = (long)poses.FrameCount * poses.JointCount * 6 * sizeof(double);
            Console.WriteLine($"  {seconds,4} s of 1080p ({poses.FrameCount} frames, 5 augmentations, cheap backbone): {clock.Elapsed.TotalSeconds:F1} s, " +
                $"peak working set {peak / 1048576.0:F0} MB, result arrays {resultBytes / 1048576.0:F1} MB" +
                (previousPeak is { } before ? $"; growth over the shorter video {(peak - before) / 1048576.0:F1} MB for {(poses.FrameCount - previousFrames) * (double)poses.JointCount * 6 * sizeof(double) / 1048576.0:F1} MB more results" : ""));
            previousPeak = peak;
            previousFrames = poses.FrameCount;
        }
    }

    // The stage's own processor time a frame on a clip, and split by two lengths of the same pattern into what a video
    // costs once and what each frame costs: (long total − short total) / (long frames − short frames) a frame.
    private static (double OnClip, double PerVideo, double PerFrame) OwnWork(PersonDetectionResult clip, PersonDetectionResult longerClip,
        MetrabsMetadata metadata, int augmentationCount)
    {
        StageParts(clip, metadata, augmentationCount); // warm: the process's one-off costs (JIT, tables) belong to no video
        (double shortTotal, int shortFrames) = StageParts(clip, metadata, augmentationCount);
        (double longTotal, int longFrames) = StageParts(longerClip, metadata, augmentationCount);
        double perFrame = (longTotal - shortTotal) / (longFrames - shortFrames);
        return (shortTotal / shortFrames, shortTotal - perFrame * shortFrames, perFrame);
    }

    // The stage's own work per frame on one thread: decoding, cutting the crops, and reconstructing them. Returns the
    // processor time of decoding (opening the video included), cutting and reconstructing, every thread and the
    // decoder's process counted, and the frames.
    private static (double ProcessorMilliseconds, int Frames) StageParts(PersonDetectionResult detection, MetrabsMetadata metadata, int augmentationCount)
    {
        string clip = detection.Video.Path;
        int side = metadata.InputResolutionPixels, joints = metadata.JointNames.Count;
        var camera = CameraIntrinsics.FromFieldOfView(Width, Height, PoseEstimationSettings.PhoneFieldOfViewDegrees);
        var augmentations = MetrabsAugmentation.Table(augmentationCount);
        using var cropper = new MetrabsCropper(side);
        var crops = new Half[augmentations.Count * cropper.CropValueCount]; // float16, as the published backbone takes them
        var decode = new Stopwatch();
        var frameSetup = new Stopwatch();
        var cutting = new Stopwatch();
        int frames = 0;
        // decoding alone, all the decoder's threads and processes counted; opening and the first frame are one-off costs
        TimeSpan decodingBefore;
        int decoded = 0;
        using (var reader = VideoReader.Open(clip))
        {
            reader.TryReadFramePixels(out _, out _);
            decodingBefore = ProcessorTime.Used();
            while (reader.TryReadFramePixels(out _, out _)) decoded++;
        }
        double decodingMilliseconds = (ProcessorTime.Used() - decodingBefore).TotalMilliseconds / decoded;
        TimeSpan processorBefore = ProcessorTime.Used();
        var wall = Stopwatch.StartNew();
        using (var reader = VideoReader.Open(clip))
            while (true)
            {
                decode.Start();
                bool more = reader.TryReadFramePixels(out VideoFramePixels frame, out _); // as the stage reads: no whole-frame conversion
                decode.Stop();
                if (!more) break;
                frameSetup.Start();
                var frameCrops = augmentations.Select(a => MetrabsCropGeometry.For(camera, detection.SubjectBoxes[frames]!, a, side)).ToArray();
                cropper.SetFrame(frame, frameCrops);
                frameSetup.Stop();
                cutting.Start();
                for (int a = 0; a < augmentations.Count; a++)
                    cropper.Crop(frameCrops[a], crops.AsSpan(a * cropper.CropValueCount, cropper.CropValueCount), true);
                cutting.Stop();
                frames++;
            }
        double processorMilliseconds = (ProcessorTime.Used() - processorBefore).TotalMilliseconds / frames;
        double wallMilliseconds = wall.Elapsed.TotalMilliseconds / frames;
        var geometries = augmentations.Select(a => MetrabsCropGeometry.For(camera, detection.SubjectBoxes[0]!, a, side)).ToArray();
        var random = new Random(2);
        float[] out2d = Enumerable.Range(0, joints * 2).Select(_ => (float)(16 + 224 * random.NextDouble())).ToArray();
        float[] out3d = Enumerable.Range(0, joints * 3).Select(_ => (float)(2200 * random.NextDouble())).ToArray();
        var pose = new double[joints * 3];
        var poses = new double[augmentations.Count * joints * 3];
        var k3 = new double[87 * 3];
        var k2 = new double[87 * 2];
        var confidences = new double[87];
        int[] indices = Enumerable.Range(264, 87).ToArray();
        var reconstruction = Stopwatch.StartNew();
        for (int f = 0; f < frames; f++)
        {
            for (int a = 0; a < augmentations.Count; a++)
            {
                MetrabsReconstruction.ReconstructAbsolute(out2d, out3d, geometries[a].CropIntrinsics, side, pose);
                if (augmentations[a].Flipped) MetrabsReconstruction.Unmirror(pose, metadata.MirrorIndices);
                pose.CopyTo(poses, a * joints * 3);
            }
            MetrabsReconstruction.CombineAugmentations(poses, geometries, indices, camera, k3, k2, confidences);
        }
        reconstruction.Stop();
        Console.WriteLine($"  the stage's own work per frame, {frames} frames, one thread, {augmentationCount} augmentation{(augmentationCount == 1 ? "" : "s")}: decode {decode.Elapsed.TotalMilliseconds / frames:F1} ms, " +
            $"crop geometry, linear light and pyramid {frameSetup.Elapsed.TotalMilliseconds / frames:F1} ms, {augmentationCount} crop{(augmentationCount == 1 ? "" : "s")} {cutting.Elapsed.TotalMilliseconds / frames:F1} ms, " +
            $"reconstruction {reconstruction.Elapsed.TotalMilliseconds / frames:F2} ms; decoding and cutting took {processorMilliseconds:F1} ms of processor time a frame " +
            $"in {wallMilliseconds:F1} ms (decoder and OpenCV threads included; decoding alone {decodingMilliseconds:F1} ms)");
        return (frames * processorMilliseconds + reconstruction.Elapsed.TotalMilliseconds, frames);
    }

    // ONNX Runtime on its own: the same count of crops in batches of the same size, from buffers made beforehand.
    private static double InferenceAlone(string backbonePath, int joints, int side, int crops, int cropsPerBatch)
    {
        using var backbone = MetrabsBackbone.Load(backbonePath, joints, side, 0);
        var input = new Microsoft.ML.OnnxRuntime.Float16[cropsPerBatch * side * side * 3];
        Span<Half> values = System.Runtime.InteropServices.MemoryMarshal.Cast<Microsoft.ML.OnnxRuntime.Float16, Half>(input.AsSpan());
        for (int i = 0; i < values.Length; i++) values[i] = (Half)((i % 251) / 251f);
        var out2d = new float[cropsPerBatch * joints * 2];
        var out3d = new float[cropsPerBatch * joints * 3];
        backbone.Run(input, cropsPerBatch, out2d, out3d, CancellationToken.None); // warm
        var clock = Stopwatch.StartNew();
        for (int done = 0; done < crops; done += cropsPerBatch)
            backbone.Run(input, Math.Min(cropsPerBatch, crops - done), out2d, out3d, CancellationToken.None);
        return clock.Elapsed.TotalSeconds;
    }

    // A subject 900 px tall in the middle of every frame.
    private static PersonDetectionResult FixedSubject(string video)
    {
        VideoInfo info;
        using (var reader = VideoReader.Open(video)) info = reader.Info;
        int count = info.FrameCount;
        var box = new PersonBox(Width / 2f - 250, Height / 2f - 450, 500, 900, 0.9f);
        var boxes = Enumerable.Repeat<PersonBox?>(box, count).ToArray();
        var frames = Enumerable.Range(0, count).Select(i => new FramePersons(i, i / info.FramesPerSecond, new[] { box })).ToArray();
        return new PersonDetectionResult(info, frames, Array.Empty<PersonTrack>(), null, boxes, false, "fixed box", TimeSpan.Zero, new PersonDetectionSettings());
    }
}
