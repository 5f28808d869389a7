using System.Globalization;
using MonoBiomech.Pose;
using OpenCvSharp;
using Tomlyn;
using Tomlyn.Model;

namespace MonoBiomech.Engine.Pose;

/// <summary>A camera file cannot be read, or does not hold the camera asked for.</summary>
public sealed class CameraFileException(string path, string message) : Exception(message)
{
    public string FilePath { get; } = path;
}

/// <summary>
/// Cameras people already have: Pose2Sim / Sports2D calibration files (<c>Calib.toml</c>: one table per camera with
/// <c>size</c>, <c>matrix</c>, <c>distortions</c>) and OpenCV FileStorage files (.yml, .yaml, .xml: <c>camera_matrix</c>,
/// <c>distortion_coefficients</c>, <c>image_width</c>, <c>image_height</c>, as OpenCV's calibration sample writes them).
/// </summary>
public static class CameraFiles
{
    /// <summary>The camera in <paramref name="path"/>: the one named <paramref name="cameraName"/>, or the only one.</summary>
    /// <exception cref="CameraFileException">Missing, unreadable, no such camera, several cameras and no name, or a fisheye lens.</exception>
    public static CameraIntrinsics Read(string path, string? cameraName = null)
    {
        if (!File.Exists(path)) throw new CameraFileException(path, $"The camera file '{path}' does not exist.");
        string extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".toml" => ReadToml(path, cameraName),
            ".yml" or ".yaml" or ".xml" => ReadOpenCv(path, cameraName),
            _ => throw new CameraFileException(path, $"'{path}' is no camera file this module reads: give a Pose2Sim Calib.toml or an OpenCV .yml/.yaml/.xml file."),
        };
    }

    private static CameraIntrinsics ReadToml(string path, string? cameraName)
    {
        try
        {
            return ReadTomlCamera(path, cameraName);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException)
        {
            throw new CameraFileException(path, $"'{path}' has a camera value that is not a number: {e.Message}");
        }
    }

    private static CameraIntrinsics ReadTomlCamera(string path, string? cameraName)
    {
        TomlTable document;
        try
        {
            document = TomlSerializer.Deserialize<TomlTable>(File.ReadAllText(path))
                       ?? throw new CameraFileException(path, $"'{path}' is empty.");
        }
        catch (TomlException e)
        {
            throw new CameraFileException(path, $"'{path}' is not valid TOML: {e.Message}");
        }
        var cameras = document.Where(p => p.Value is TomlTable t && t.ContainsKey("matrix"))
            .Select(p => (Section: p.Key, Table: (TomlTable)p.Value, Name: ((TomlTable)p.Value).TryGetValue("name", out object? n) ? n as string ?? p.Key : p.Key))
            .ToList();
        if (cameras.Count == 0) throw new CameraFileException(path, $"'{path}' holds no camera (no table with a 'matrix').");
        var chosen = Choose(path, cameras, c => new[] { c.Section, c.Name }, c => c.Name, cameraName);
        TomlTable camera = chosen.Table;
        if (camera.TryGetValue("fisheye", out object? fisheye) && fisheye is true)
            throw new CameraFileException(path, $"Camera '{chosen.Name}' in '{path}' is a fisheye lens, which this module does not model.");
        double[] size = Numbers(path, camera, "size", 2);
        double[] matrix = (camera["matrix"] as TomlArray ?? throw Bad(path, "matrix"))
            .SelectMany(row => row as TomlArray ?? throw Bad(path, "matrix")).Select(ToDouble).ToArray();
        if (matrix.Length != 9) throw Bad(path, "matrix");
        double[]? distortion = camera.ContainsKey("distortions") ? Numbers(path, camera, "distortions", -1) : null;
        return Camera(path, matrix, distortion, (int)Math.Round(size[0]), (int)Math.Round(size[1]));
    }

    private static CameraIntrinsics ReadOpenCv(string path, string? cameraName)
    {
        if (cameraName is not null)
            throw new CameraFileException(path, $"'{path}' is an OpenCV camera file, which holds one camera; -CameraName '{cameraName}' names none.");
        try
        {
            using var storage = new FileStorage(path, FileStorage.Modes.Read);
            if (!storage.IsOpened()) throw new CameraFileException(path, $"OpenCV cannot read '{path}'.");
            using FileNode? matrixNode = storage["camera_matrix"];
            using Mat k = matrixNode?.ReadMat() ?? new Mat();
            if (k.Empty() || k.Total() != 9) throw new CameraFileException(path, $"'{path}' has no 3x3 camera_matrix.");
            using var k64 = new Mat();
            k.ConvertTo(k64, MatType.CV_64F);
            k64.GetArray(out double[] matrix);
            double[]? distortion = null;
            using (FileNode? node = storage["distortion_coefficients"])
                if (node is not null && !node.Empty)
                {
                    using Mat d = node.ReadMat();
                    using var d64 = new Mat();
                    d.ConvertTo(d64, MatType.CV_64F);
                    d64.GetArray(out distortion);
                }
            int width = storage["image_width"]?.ReadInt() ?? 0, height = storage["image_height"]?.ReadInt() ?? 0;
            if (width <= 0 || height <= 0) throw new CameraFileException(path, $"'{path}' gives no image_width and image_height, so its camera matrix has no scale.");
            return Camera(path, matrix, distortion, width, height);
        }
        catch (OpenCVException e)
        {
            throw new CameraFileException(path, $"OpenCV cannot read '{path}': {e.Message}");
        }
    }

    private static T Choose<T>(string path, IReadOnlyList<T> cameras, Func<T, IEnumerable<string>> namesOf, Func<T, string> shownName, string? cameraName)
    {
        if (cameraName is not null)
        {
            int index = cameras.ToList().FindIndex(c => namesOf(c).Contains(cameraName, StringComparer.OrdinalIgnoreCase));
            return index >= 0 ? cameras[index]
                : throw new CameraFileException(path, $"'{path}' has no camera '{cameraName}'; it has {string.Join(", ", cameras.Select(shownName))}.");
        }
        if (cameras.Count > 1)
            throw new CameraFileException(path, $"'{path}' holds {cameras.Count} cameras ({string.Join(", ", cameras.Select(shownName))}); say which with -CameraName.");
        return cameras[0];
    }

    private static CameraIntrinsics Camera(string path, double[] m, double[]? distortion, int width, int height)
    {
        if (!(m[0] > 0 && m[4] > 0) || m.Any(v => !double.IsFinite(v)))
            throw new CameraFileException(path, $"The camera matrix in '{path}' has no positive focal lengths.");
        if (distortion is { Length: not (0 or 4 or 5 or 8 or 12 or 14) })
            throw new CameraFileException(path, $"'{path}' gives {distortion.Length} distortion coefficients; OpenCV's models take 4, 5, 8, 12 or 14.");
        return new CameraIntrinsics(m[0], m[4], m[2], m[5], width, height) { DistortionCoefficients = distortion is { Length: > 0 } ? distortion : null };
    }

    private static double[] Numbers(string path, TomlTable table, string key, int count)
    {
        double[] values = (table.TryGetValue(key, out object? v) ? v as TomlArray : null)?.Select(ToDouble).ToArray() ?? throw Bad(path, key);
        if (count >= 0 && values.Length != count) throw Bad(path, key);
        return values;
    }

    private static double ToDouble(object? value) => value switch
    {
        double d => d,
        long l => l,
        _ => throw new FormatException("not a number"),
    };

    private static CameraFileException Bad(string path, string key) => new(path, $"'{path}': '{key}' is missing or malformed.");
}
