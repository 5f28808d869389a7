using MonoBiomech.Engine.Formats;
using MonoBiomech.Engine.Video;
using MonoBiomech.Fitting;
using OpenCvSharp;

namespace MonoBiomech.Engine.Exports;

/// <summary>
/// The fitted model drawn over the video it was fitted to: segments (joint centre to joint centre) and sites, projected
/// through the fit's camera. Frame-accurate: each video frame is matched to the fitted frame with its timestamp.
/// </summary>
public static class ModelOverlay
{
    public const string VideoSuffix = "_overlay.mp4", StillSuffix = "_overlay.png";

    /// <summary>A fitted frame matches a video frame whose timestamp is within this of its own (a quarter of a 240 fps frame).</summary>
    private const double TimestampToleranceSeconds = 0.001;

    private static readonly Scalar Right = new(60, 60, 230), Left = new(230, 120, 40), Centre = new(80, 220, 80), Site = new(0, 230, 255);

    /// <summary>
    /// In one pass over the video: the whole video with the model drawn on it (mp4: H.264 where ffmpeg with libx264 is
    /// found, else MPEG-4 part 2 as OpenCV writes it; frames outside the fitted span copied unchanged) and a PNG still
    /// of <paramref name="stillFrames"/> of those frames, spread over the fitted span, side by side, each
    /// <paramref name="stillHeightPixels"/> high, for reports. Each file is written to a temporary name and moved into
    /// place.
    /// </summary>
    /// <param name="parentOfBody">[body] parent index of each of the fit's bodies (−1 for the world).</param>
    /// <exception cref="VideoReadException">The video cannot be read.</exception>
    /// <exception cref="IOException">OpenCV or ffmpeg cannot write the video, or no frame has the fit's timestamps.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; checked before every frame, and neither file is left.</exception>
    public static void Write(string videoOutputPath, string stillOutputPath, string videoPath, BiomechFitResult fit, IReadOnlyList<int> parentOfBody,
        CancellationToken cancellationToken, int stillFrames = 3, int stillHeightPixels = 540)
    {
        if (fit.FrameCount == 0) throw new ArgumentException("The fit has no frames.", nameof(fit));
        double[] stillTimes = Enumerable.Range(0, stillFrames)
            .Select(i => fit.TimestampsSeconds[(int)Math.Round((fit.FrameCount - 1) * (i + 0.5) / stillFrames)]).ToArray();
        var tiles = new List<Mat>();
        try
        {
            using VideoReader reader = VideoReader.Open(videoPath);
            var size = new Size(reader.Info.WidthPixels, reader.Info.HeightPixels);
            AtomicFile.WriteVia(videoOutputPath, temporary =>
            {
                using OverlayVideoWriter writer = OverlayVideoWriter.Open(temporary, videoOutputPath, size, reader.Info.FramesPerSecond);
                using var frame = new Mat();
                int next = 0;
                while (reader.TryReadFrame(frame, out VideoFrameStamp stamp))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    next = FittedFrameAt(fit, stamp.TimestampSeconds, next, out int fitted);
                    if (fitted >= 0) Draw(frame, fit, fitted, parentOfBody);
                    writer.Write(frame);
                    if (tiles.Count < stillTimes.Length && Math.Abs(stamp.TimestampSeconds - stillTimes[tiles.Count]) <= TimestampToleranceSeconds)
                    {
                        var tile = new Mat();
                        Cv2.Resize(frame, tile, new Size((int)Math.Round(frame.Width * (double)stillHeightPixels / frame.Height), stillHeightPixels), 0, 0, InterpolationFlags.Area);
                        tiles.Add(tile);
                    }
                }
                writer.Finish();
            });
            if (tiles.Count == 0) throw new IOException($"No frame of '{videoPath}' has the timestamps of the fit of '{fit.Source}'.");
            using var strip = new Mat();
            Cv2.HConcat(tiles.ToArray(), strip);
            Cv2.ImEncode(".png", strip, out byte[] png);
            AtomicFile.Write(stillOutputPath, stream => stream.Write(png));
        }
        catch (IOException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C reaches the ffmpeg children too, which then stop decoding or writing: a stop, not a failure.
            throw new OperationCanceledException(cancellationToken);
        }
        finally
        {
            foreach (Mat tile in tiles) tile.Dispose();
        }
    }

    /// <summary>
    /// The overlay video's encoder: H.264 through ffmpeg where one with libx264 is found, else MPEG-4 part 2 with OpenCV
    /// (lower-case mp4v: the tag MP4 files carry; upper case makes FFmpeg print a fallback notice).
    /// </summary>
    private sealed class OverlayVideoWriter : IDisposable
    {
        private readonly FfmpegVideoWriter? _ffmpeg;
        private readonly VideoWriter? _openCv;

        private OverlayVideoWriter(FfmpegVideoWriter? ffmpeg, VideoWriter? openCv) => (_ffmpeg, _openCv) = (ffmpeg, openCv);

        public static OverlayVideoWriter Open(string temporaryPath, string outputPath, Size size, double framesPerSecond)
        {
            if (FfmpegExecutable.Found is { } executable
                && FfmpegVideoWriter.TryStart(executable, temporaryPath, size.Width, size.Height, framesPerSecond) is { } ffmpeg)
                return new OverlayVideoWriter(ffmpeg, null);
            var openCv = new VideoWriter(temporaryPath, FourCC.FromString("mp4v"), framesPerSecond, size);
            if (openCv.IsOpened()) return new OverlayVideoWriter(null, openCv);
            openCv.Dispose();
            throw new IOException($"OpenCV cannot write the video '{outputPath}'.");
        }

        public void Write(Mat frame)
        {
            if (_ffmpeg is not null) _ffmpeg.Write(frame);
            else _openCv!.Write(frame);
        }

        /// <summary>Completes the file (ffmpeg's end of stream; OpenCV's on disposal).</summary>
        public void Finish() => _ffmpeg?.Finish();

        public void Dispose()
        {
            _ffmpeg?.Dispose();
            _openCv?.Dispose();
        }
    }

    /// <summary>The fitted frame at <paramref name="timestampSeconds"/> (or −1), searching on from <paramref name="start"/>; returns where to search next.</summary>
    private static int FittedFrameAt(BiomechFitResult fit, double timestampSeconds, int start, out int fitted)
    {
        fitted = -1;
        int t = start;
        while (t < fit.FrameCount && fit.TimestampsSeconds[t] < timestampSeconds - TimestampToleranceSeconds) t++;
        if (t < fit.FrameCount && Math.Abs(fit.TimestampsSeconds[t] - timestampSeconds) <= TimestampToleranceSeconds) fitted = t;
        return t;
    }

    /// <summary>Draws fitted frame <paramref name="t"/> on a frame: segments coloured by side (name suffix _r / _l), sites as dots.</summary>
    public static void Draw(Mat frame, BiomechFitResult fit, int t, IReadOnlyList<int> parentOfBody)
    {
        int bodies = fit.BodyNames.Count, sites = fit.SiteNames.Count;
        int thickness = Math.Max(2, frame.Height / 300);
        for (int b = 1; b < bodies; b++)
        {
            int parent = parentOfBody[b];
            if (parent <= 0) continue; // the root's origin has no segment above it
            Point? from = Project(fit, fit.BodyPositionsMetres, (t * bodies + parent) * 3), to = Project(fit, fit.BodyPositionsMetres, (t * bodies + b) * 3);
            if (from is null || to is null) continue;
            string name = fit.BodyNames[b];
            Scalar colour = name.EndsWith("_r", StringComparison.Ordinal) ? Right : name.EndsWith("_l", StringComparison.Ordinal) ? Left : Centre;
            Cv2.Line(frame, from.Value, to.Value, colour, thickness, LineTypes.AntiAlias);
            Cv2.Circle(frame, to.Value, thickness + 1, colour, -1, LineTypes.AntiAlias);
        }
        for (int s = 0; s < sites; s++)
            if (Project(fit, fit.SitePositionsMetres, (t * sites + s) * 3) is Point p)
                Cv2.Circle(frame, p, Math.Max(1, thickness / 2), Site, -1, LineTypes.AntiAlias);
    }

    /// <summary>A world point through the fit's camera into pixels; null behind the camera.</summary>
    private static Point? Project(BiomechFitResult fit, IReadOnlyList<double> worldMetres, int offset)
    {
        IReadOnlyList<double> r = fit.CameraToWorldRotation, c = fit.CameraPositionMetres;
        double dx = worldMetres[offset] - c[0], dy = worldMetres[offset + 1] - c[1], dz = worldMetres[offset + 2] - c[2];
        // camera = Rᵀ · (world − centre)
        double x = r[0] * dx + r[3] * dy + r[6] * dz, y = r[1] * dx + r[4] * dy + r[7] * dz, z = r[2] * dx + r[5] * dy + r[8] * dz;
        if (fit.Camera is null || z <= 0.05) return null;
        (double u, double v) = fit.Camera.Project(x, y, z);
        return double.IsFinite(u) && double.IsFinite(v) ? new Point((int)Math.Round(u), (int)Math.Round(v)) : null;
    }
}
