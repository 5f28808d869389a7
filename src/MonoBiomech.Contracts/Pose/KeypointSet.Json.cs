using System.Text;
using System.Text.Json;

namespace MonoBiomech.Pose;

// Reading the JSON format documented on KeypointSet (System.Text.Json's reader only, so every error has its line).
public sealed partial class KeypointSet
{
    /// <summary>Reads a keypoint-set file (UTF-8 JSON, format in the class remarks).</summary>
    /// <exception cref="KeypointSetFormatException">The file is not a valid keypoint set; the message names the file and the line.</exception>
    /// <exception cref="IOException">The file cannot be read (e.g. <see cref="FileNotFoundException"/>).</exception>
    public static KeypointSet Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Reads a keypoint set from JSON text (format in the class remarks).</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="sourceName">Where the text came from (a file name), used in error messages.</param>
    /// <exception cref="KeypointSetFormatException">The text is not a valid keypoint set; the message starts with <paramref name="sourceName"/>.</exception>
    public static KeypointSet Parse(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(sourceName);
        byte[] utf8 = Encoding.UTF8.GetBytes(json);
        var reader = new JsonFileReader(utf8, sourceName);
        try
        {
            return reader.ReadSet();
        }
        catch (JsonException e)
        {
            string message = e.Message;
            int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut >= 0) message = message[..cut];
            long? line = e.LineNumber + 1;
            string position = e.BytePositionInLine is { } p ? $" (byte {p + 1} of the line)" : "";
            throw new KeypointSetFormatException(sourceName, line, $"not valid JSON{position}: {message}", e);
        }
    }

    private ref struct JsonFileReader
    {
        private const string TopLevelProperties = "name, bodyModel, description, units, keypoints";
        private const string KeypointProperties = "name, body, position, weight, mirror, landmark";

        private readonly ReadOnlySpan<byte> utf8;
        private readonly string source;
        private Utf8JsonReader reader;

        public JsonFileReader(ReadOnlySpan<byte> utf8, string source)
        {
            this.utf8 = utf8;
            this.source = source;
            reader = new Utf8JsonReader(utf8, new JsonReaderOptions
            {
                CommentHandling = JsonCommentHandling.Disallow,
                AllowTrailingCommas = false,
            });
        }

        public KeypointSet ReadSet()
        {
            Next();
            if (reader.TokenType != JsonTokenType.StartObject)
                throw Error(Line(), $"expected a JSON object {{ ... }} at the top level, found {Describe(reader.TokenType)}.");
            long objectLine = Line();
            string? name = null, bodyModel = null, description = null, units = null;
            List<KeypointPlacement>? keypoints = null;
            var keypointLines = new List<long>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (true)
            {
                Next();
                if (reader.TokenType == JsonTokenType.EndObject) break;
                string property = reader.GetString()!;
                long line = Line();
                if (!seen.Add(property)) throw Error(line, $"the property \"{property}\" is given twice.");
                Next();
                switch (property)
                {
                    case "name": name = ReadString(property); break;
                    case "bodyModel": bodyModel = ReadString(property); break;
                    case "description": description = ReadString(property); break;
                    case "units":
                        units = ReadString(property);
                        if (!units.Equals("metres", StringComparison.OrdinalIgnoreCase) && !units.Equals("meters", StringComparison.OrdinalIgnoreCase))
                            throw Error(line, $"\"units\" is \"{units}\"; only \"metres\" is supported (give positions in metres).");
                        break;
                    case "keypoints": keypoints = ReadKeypoints(keypointLines); break;
                    default: throw Error(line, $"unknown property \"{property}\" (expected {TopLevelProperties}).");
                }
            }
            // Content after the object makes the reader throw (a JSON document holds one value).
            if (reader.Read()) throw Error(Line(), "unexpected content after the top-level object.");

            if (name is null) throw Missing(objectLine, "name", "the file");
            if (bodyModel is null) throw Missing(objectLine, "bodyModel", "the file");
            if (units is null) throw Missing(objectLine, "units", "the file");
            if (keypoints is null) throw Missing(objectLine, "keypoints", "the file");

            KeypointPlacement[] items = keypoints.ToArray();
            if (FindProblem(name, bodyModel, items) is { } problem)
                throw Error(problem.Index >= 0 ? keypointLines[problem.Index] : objectLine,
                    char.ToLowerInvariant(problem.Message[0]) + problem.Message[1..]);
            return new KeypointSet(name, bodyModel, description, items);
        }

        private List<KeypointPlacement> ReadKeypoints(List<long> lines)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
                throw Error(Line(), $"\"keypoints\" must be an array of objects, not {Describe(reader.TokenType)}.");
            var keypoints = new List<KeypointPlacement>();
            while (true)
            {
                Next();
                if (reader.TokenType == JsonTokenType.EndArray) return keypoints;
                if (reader.TokenType != JsonTokenType.StartObject)
                    throw Error(Line(), $"keypoint {keypoints.Count} must be an object {{ \"name\": ..., \"body\": ..., \"position\": [x, y, z] }}, not {Describe(reader.TokenType)}.");
                lines.Add(Line());
                keypoints.Add(ReadKeypoint(keypoints.Count));
            }
        }

        private KeypointPlacement ReadKeypoint(int index)
        {
            long objectLine = Line();
            string? name = null, body = null, mirror = null, landmark = null;
            LocalPositionMetres? position = null;
            double weight = 1.0;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (true)
            {
                Next();
                if (reader.TokenType == JsonTokenType.EndObject) break;
                string property = reader.GetString()!;
                long line = Line();
                string what = name is null ? $"keypoint {index}" : $"keypoint {index} ('{name}')";
                if (!seen.Add(property)) throw Error(line, $"{what}: the property \"{property}\" is given twice.");
                Next();
                switch (property)
                {
                    case "name": name = ReadString(property); break;
                    case "body": body = ReadString(property); break;
                    case "position": position = ReadPosition(what); break;
                    case "weight": weight = ReadNumber(what, property); break;
                    case "mirror": mirror = ReadOptionalString(property); break;
                    case "landmark": landmark = ReadOptionalString(property); break;
                    default: throw Error(line, $"{what}: unknown property \"{property}\" (expected {KeypointProperties}).");
                }
            }
            if (name is null) throw Missing(objectLine, "name", $"keypoint {index}");
            if (body is null) throw Missing(objectLine, "body", $"keypoint {index} ('{name}')");
            if (position is null) throw Missing(objectLine, "position", $"keypoint {index} ('{name}')");
            return new KeypointPlacement(name, body, position.Value, weight, mirror, landmark);
        }

        private LocalPositionMetres ReadPosition(string what)
        {
            const string Shape = "\"position\" must be [x, y, z]: three numbers, metres in the body's frame";
            if (reader.TokenType != JsonTokenType.StartArray) throw Error(Line(), $"{what}: {Shape}, not {Describe(reader.TokenType)}.");
            Span<double> xyz = stackalloc double[3];
            int count = 0;
            while (true)
            {
                Next();
                if (reader.TokenType == JsonTokenType.EndArray) break;
                if (count == 3) throw Error(Line(), $"{what}: {Shape}; it has more than three values.");
                xyz[count++] = ReadNumber(what, "position");
            }
            if (count != 3) throw Error(Line(), $"{what}: {Shape}; it has {count}.");
            return new LocalPositionMetres(xyz[0], xyz[1], xyz[2]);
        }

        private double ReadNumber(string what, string property)
        {
            if (reader.TokenType != JsonTokenType.Number)
                throw Error(Line(), $"{what}: \"{property}\" must hold numbers, not {Describe(reader.TokenType)} (JSON has no NaN or infinity).");
            string text = Encoding.UTF8.GetString(reader.ValueSpan);
            if (!reader.TryGetDouble(out double value) || !double.IsFinite(value))
                throw Error(Line(), $"{what}: \"{property}\" has the value {text}, which is not a finite double.");
            return value;
        }

        private string ReadString(string property)
        {
            if (reader.TokenType != JsonTokenType.String)
                throw Error(Line(), $"\"{property}\" must be a string, not {Describe(reader.TokenType)}.");
            return reader.GetString()!;
        }

        private string? ReadOptionalString(string property) =>
            reader.TokenType == JsonTokenType.Null ? null : ReadString(property);

        /// <summary>Reads the next token; the reader itself throws on bad or truncated JSON, with the line.</summary>
        private void Next()
        {
            if (!reader.Read()) throw Error(Line(), "the text ends before the JSON does (truncated file?).");
        }

        /// <summary>The 1-based line of the current token.</summary>
        private readonly long Line()
        {
            int end = (int)Math.Min(reader.TokenStartIndex, utf8.Length);
            return utf8[..end].Count((byte)'\n') + 1;
        }

        private readonly KeypointSetFormatException Missing(long line, string property, string owner) =>
            Error(line, $"{owner} lacks the required property \"{property}\".");

        private readonly KeypointSetFormatException Error(long? line, string reason) => new(source, line, reason);

        private static string Describe(JsonTokenType token) => token switch
        {
            JsonTokenType.String => "a string",
            JsonTokenType.Number => "a number",
            JsonTokenType.True or JsonTokenType.False => "a boolean",
            JsonTokenType.Null => "null",
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "an array",
            _ => token.ToString(),
        };
    }
}
