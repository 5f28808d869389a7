using System.Text;
using MonoBiomech.Engine.Tests.TestSupport;
using MonoBiomech.Pose;

namespace MonoBiomech.Engine.Tests.Pose;

/// <summary>The contract type: validation, look-ups, immutability, and the JSON reader's errors on bad and hostile files.</summary>
public sealed class KeypointSetTests
{
    // Line numbers below refer to this text: 6 = nose, 7 = left_eye, 8 = right_eye.
    private const string Valid = """
        {
          "name": "tiny",
          "bodyModel": "monobiomech_body",
          "units": "metres",
          "keypoints": [
            { "name": "nose", "body": "head", "position": [0.16, 0.092, 0.0], "weight": 0.5 },
            { "name": "left_eye", "body": "head", "position": [0.134, 0.126, -0.0315], "mirror": "right_eye" },
            { "name": "right_eye", "body": "head", "position": [0.134, 0.126, 0.0315], "mirror": "left_eye" }
          ]
        }
        """;

    [Fact]
    public void Parses_a_valid_set_with_defaults_lookups_and_mirrors()
    {
        KeypointSet set = KeypointSet.Parse(Valid, "tiny.json");
        Assert.Equal("tiny", set.Name);
        Assert.Equal("monobiomech_body", set.BodyModelName);
        Assert.Equal("", set.Description);
        Assert.Equal(3, set.Count);
        Assert.Equal(new[] { "nose", "left_eye", "right_eye" }, set.Names);
        Assert.Equal(new KeypointPlacement("nose", "head", new LocalPositionMetres(0.16, 0.092, 0.0), 0.5), set[0]);
        Assert.Equal(1.0, set[1].DefaultWeight);
        Assert.Equal("right_eye", set[1].MirrorName);
        Assert.Equal(1, set.IndexOf("left_eye"));
        Assert.Equal(-1, set.IndexOf("Left_eye"));   // ordinal
        Assert.Equal(-1, set.IndexOf("chin"));
        Assert.Equal(0, set.MirrorOf(0));             // midline
        Assert.Equal(2, set.MirrorOf(1));
        Assert.Equal(1, set.MirrorOf(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.MirrorOf(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.MirrorOf(-1));
        Assert.Equal("tiny on monobiomech_body (3 keypoints)", set.ToString());
        Assert.Equal(new LocalPositionMetres(0.134, 0.126, 0.0315), set[1].Position.Mirrored);
    }

    [Fact]
    public void Is_immutable()
    {
        var list = new List<KeypointPlacement> { new("a", "head", new LocalPositionMetres(0, 0, 0)) };
        var set = new KeypointSet("s", "m", null, list);
        list.Add(new KeypointPlacement("b", "head", new LocalPositionMetres(0, 0, 0)));
        Assert.Equal(1, set.Count);
        Assert.Throws<NotSupportedException>(() => ((IList<KeypointPlacement>)set.Keypoints).Add(list[1]));
        Assert.Throws<NotSupportedException>(() => ((IList<string>)set.Names)[0] = "x");
    }

    public static TheoryData<string, KeypointPlacement[], string> InvalidSets => new()
    {
        { "duplicate", new[] { P("a"), P("a") }, "same name as keypoint 0" },
        { "case-only duplicate", new[] { P("LHip"), P("lhip") }, "only in letter case" },
        { "empty name", new[] { P("") }, "empty or has leading or trailing white space" },
        { "padded name", new[] { P("a ") }, "empty or has leading or trailing white space" },
        { "no body", new[] { P("a") with { BodyName = "" } }, "names no body" },
        { "NaN", new[] { P("a") with { Position = new LocalPositionMetres(0, double.NaN, 0) } }, "non-finite position" },
        { "infinity", new[] { P("a") with { Position = new LocalPositionMetres(double.PositiveInfinity, 0, 0) } }, "non-finite position" },
        { "negative weight", new[] { P("a") with { DefaultWeight = -1 } }, "must be finite and >= 0" },
        { "NaN weight", new[] { P("a") with { DefaultWeight = double.NaN } }, "must be finite and >= 0" },
        { "unknown mirror", new[] { P("l", "x") }, "names the mirror 'x', which is not a keypoint" },
        { "self mirror", new[] { P("l", "l") }, "names itself as its mirror" },
        { "one-sided mirror", new[] { P("l", "r"), P("r") }, "'r' names no mirror" },
        { "disagreeing mirrors", new[] { P("l", "r"), P("r", "m"), P("m", "r") }, "but 'r' names 'm'" },
        { "no keypoints", Array.Empty<KeypointPlacement>(), "has no keypoints" },
    };

    [Theory]
    [MemberData(nameof(InvalidSets))]
    public void The_constructor_rejects_invalid_sets_with_a_clear_message(string why, KeypointPlacement[] keypoints, string message)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => new KeypointSet("s", "m", "", keypoints));
        Assert.Contains(message, e.Message);
        Assert.Equal("keypoints", e.ParamName);
        _ = why;
    }

    [Fact]
    public void The_constructor_rejects_bad_set_and_model_names()
    {
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => new KeypointSet(" ", "m", "", new[] { P("a") })).ParamName);
        Assert.Equal("bodyModelName", Assert.Throws<ArgumentException>(() => new KeypointSet("s", "", "", new[] { P("a") })).ParamName);
        Assert.Throws<ArgumentNullException>(() => new KeypointSet("s", "m", "", null!));
    }

    /// <summary>Hostile and broken files: (case, edit of <see cref="Valid"/>, expected message fragment, expected line or 0 for any).</summary>
    public static TheoryData<string, string, string, int> BadFiles => new()
    {
        { "unknown mirror", Edit("\"mirror\": \"right_eye\"", "\"mirror\": \"right_eyes\""), "names the mirror 'right_eyes', which is not a keypoint", 7 },
        { "one-sided mirror", Edit(", \"mirror\": \"left_eye\"", ""), "'right_eye' names no mirror; a mirror pair must be given on both partners", 7 },
        { "disagreeing mirror", Edit("\"mirror\": \"left_eye\"", "\"mirror\": \"nose\""), "but 'right_eye' names 'nose'", 7 },
        { "self mirror", Edit("\"weight\": 0.5", "\"weight\": 0.5, \"mirror\": \"nose\""), "names itself as its mirror", 6 },
        { "duplicate name", Edit("\"name\": \"right_eye\"", "\"name\": \"left_eye\""), "same name as keypoint 1", 8 },
        { "case-only duplicate", Edit("\"name\": \"nose\"", "\"name\": \"Left_eye\""), "only in letter case", 7 },
        { "missing body", Edit("\"name\": \"nose\", \"body\": \"head\",", "\"name\": \"nose\","), "keypoint 0 ('nose') lacks the required property \"body\"", 6 },
        { "empty body", Edit("\"name\": \"nose\", \"body\": \"head\"", "\"name\": \"nose\", \"body\": \"\""), "names no body", 6 },
        { "missing position", Edit(" \"position\": [0.16, 0.092, 0.0],", ""), "lacks the required property \"position\"", 6 },
        { "short position", Edit("[0.16, 0.092, 0.0]", "[0.16, 0.092]"), "it has 2", 6 },
        { "long position", Edit("[0.16, 0.092, 0.0]", "[0.16, 0.092, 0.0, 1]"), "more than three values", 6 },
        { "NaN literal", Edit("0.092", "NaN"), "not valid JSON", 6 },
        { "NaN string", Edit("0.092", "\"NaN\""), "must hold numbers, not a string", 6 },
        { "overflowing number", Edit("0.092", "1e999"), "1e999, which is not a finite double", 6 },
        { "negative weight", Edit("\"weight\": 0.5", "\"weight\": -0.5"), "has the weight -0.5", 6 },
        { "misspelt property", Edit("\"weight\": 0.5", "\"wieght\": 0.5"), "unknown property \"wieght\"", 6 },
        { "repeated property", Edit("\"weight\": 0.5", "\"weight\": 0.5, \"weight\": 1"), "\"weight\" is given twice", 6 },
        { "wrong units", Edit("\"metres\"", "\"millimetres\""), "only \"metres\" is supported", 4 },
        { "missing units", Edit("  \"units\": \"metres\",\n", ""), "lacks the required property \"units\"", 1 },
        { "missing keypoints", Valid[..Valid.IndexOf(",\n  \"keypoints\"", StringComparison.Ordinal)] + "\n}", "lacks the required property \"keypoints\"", 1 },
        { "no keypoints", Valid[..(Valid.IndexOf('[') + 1)] + "]\n}", "has no keypoints", 1 },
        { "keypoints not an array", Valid[..Valid.IndexOf('[')] + "{}\n}", "must be an array of objects", 5 },
        { "truncated", Valid[..(Valid.Length / 2)], "not valid JSON", 0 },
        { "truncated in a string", Valid[..(Valid.IndexOf("left_eye", StringComparison.Ordinal) + 4)], "not valid JSON", 7 },
        { "empty file", "", "not valid JSON", 0 },
        { "trailing comma", Edit("\"mirror\": \"left_eye\" }", "\"mirror\": \"left_eye\" },"), "not valid JSON", 0 },
        { "comment", "// a comment\n" + Valid, "not valid JSON", 1 },
        { "second value", Valid + "\n{}", "not valid JSON", 0 },
        { "top-level array", "[" + Valid + "]", "expected a JSON object", 1 },
        { "name not a string", Edit("\"name\": \"tiny\"", "\"name\": 7"), "\"name\" must be a string, not a number", 2 },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Bad_files_throw_the_format_exception_naming_the_file_and_line(string why, string json, string message, int line)
    {
        using var folder = new TempFolder();
        string path = folder.File($"bad-{why.Replace(' ', '-')}.json");
        File.WriteAllText(path, json);

        KeypointSetFormatException e = Assert.Throws<KeypointSetFormatException>(() => KeypointSet.Load(path));
        Assert.Equal(path, e.SourceName);
        Assert.StartsWith(path, e.Message);
        Assert.Contains(message, e.Message);
        Assert.Contains(message, e.Reason);
        if (line > 0)
        {
            Assert.Equal(line, e.LineNumber);
            Assert.Contains($", line {line}: ", e.Message);
        }
        Assert.IsAssignableFrom<FormatException>(e);
    }

    [Fact]
    public void Parse_names_its_source_and_Load_reads_a_file_with_a_byte_order_mark()
    {
        KeypointSetFormatException e = Assert.Throws<KeypointSetFormatException>(() => KeypointSet.Parse(Edit("0.092", "1e999"), "from the pipeline"));
        Assert.StartsWith("from the pipeline, line 6: keypoint 0 ('nose'): \"position\"", e.Message);

        using var folder = new TempFolder();
        string path = folder.File("bom.json");
        File.WriteAllText(path, Valid, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        Assert.Equal(3, KeypointSet.Load(path).Count);
        Assert.Throws<FileNotFoundException>(() => KeypointSet.Load(folder.File("absent.json")));
    }

    [Fact]
    public void Optional_fields_may_be_null_or_absent()
    {
        string json = Edit("\"weight\": 0.5", "\"weight\": 0, \"mirror\": null, \"landmark\": \"pronasale\"")
            .Replace("\"units\": \"metres\"", "\"units\": \"meters\", \"description\": \"d\"", StringComparison.Ordinal);
        KeypointSet set = KeypointSet.Parse(json, "optional.json");
        Assert.Null(set[0].MirrorName);
        Assert.Equal(0.0, set[0].DefaultWeight);
        Assert.Equal("pronasale", set[0].Landmark);
        Assert.Equal("d", set.Description);
    }

    private static KeypointPlacement P(string name, string? mirror = null) =>
        new(name, "head", new LocalPositionMetres(0.1, 0.1, 0), 1.0, mirror);

    /// <summary><see cref="Valid"/> with one text replaced; the text must occur exactly once.</summary>
    private static string Edit(string find, string replace)
    {
        int at = Valid.IndexOf(find, StringComparison.Ordinal);
        if (at < 0 || Valid.IndexOf(find, at + 1, StringComparison.Ordinal) >= 0)
            throw new InvalidOperationException($"The edit target {find} must occur exactly once in the valid text.");
        return Valid[..at] + replace + Valid[(at + find.Length)..];
    }
}
