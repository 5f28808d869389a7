using System.Reflection;
using System.Text.Json;
using MonoBiomech.Pose;
using MonoBiomech.Tests;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace MonoBiomech.Engine.Tests.Pose;

// The only engine namespace these tests use (body model loading and forward kinematics).
using MonoBiomech.Engine.BodyModels;

/// <summary>The keypoint-set files shipped in models/keypointsets/ and the body models they name.</summary>
internal static class ShippedKeypointSets
{
    public const string BmlOwn = "bml_movi_87.monobiomech_body.json";
    public const string BmlUpstream = "bml_movi_87.humanoid_torque.json";
    public const string BlazePoseOwn = "blazepose_33.monobiomech_body.json";

    public static string Folder => Path.Combine(SharedData.RepositoryRoot, "models", "keypointsets");

    public static string PathOf(string fileName) => Path.Combine(Folder, fileName);

    /// <summary>
    /// The MJCF file a set file is placed on, from the body-model part of its name (&lt;set&gt;.&lt;body model file&gt;.json):
    /// our model is in the repository, upstream's humanoid_torque.xml in ../shared. Null for an unknown model.
    /// </summary>
    public static string? ModelFileFor(string fileName) => BodyModelPart(fileName) switch
    {
        "monobiomech_body" => Path.Combine(SharedData.RepositoryRoot, "models", "monobiomech_body.xml"),
        "humanoid_torque" => SharedData.Directory is null ? null : SharedData.DataFile("humanoid_torque.xml"),
        _ => null,
    };

    public static bool NeedsSharedData(string fileName) => BodyModelPart(fileName) == "humanoid_torque";

    public static string SetPart(string fileName) => Path.GetFileName(fileName).Split('.')[0];

    public static string BodyModelPart(string fileName)
    {
        string[] parts = Path.GetFileName(fileName).Split('.');
        return parts.Length == 3 ? parts[1] : "";
    }

    private static readonly Dictionary<string, BodyModel> Models = new();

    public static BodyModel Model(string fileName)
    {
        string path = ModelFileFor(fileName) ?? throw new InvalidOperationException($"no body model known for {fileName}");
        lock (Models)
        {
            if (!Models.TryGetValue(path, out BodyModel? model)) Models[path] = model = BodyModel.LoadMjcf(path);
            return model;
        }
    }
}

/// <summary>One theory row per shipped set file; rows on upstream's model are skipped with a visible reason without ../shared.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class KeypointSetFileAttribute : DataAttribute
{
    private readonly string fileName;

    public KeypointSetFileAttribute(string fileName)
    {
        this.fileName = fileName;
        if (ShippedKeypointSets.NeedsSharedData(fileName) && SharedData.Directory is null)
            Skip = "upstream's humanoid_torque.xml needs ../shared (the team's shared data), absent beside the repository; set MONOBIOMECH_SHARED to run this row.";
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => new[] { new object[] { fileName } };
}

/// <summary>The shipped keypoint-set files: they load, are consistent, and sit on bodies of the model they name.</summary>
public sealed class KeypointSetFileTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_shipped_file_loads_is_named_after_its_set_and_model_and_has_consistent_mirrors()
    {
        string[] files = Directory.GetFiles(ShippedKeypointSets.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        Assert.Superset(new HashSet<string>(new[] { ShippedKeypointSets.BmlOwn, ShippedKeypointSets.BmlUpstream, ShippedKeypointSets.BlazePoseOwn }),
            new HashSet<string>(files));
        foreach (string file in files)
        {
            Assert.EndsWith(".json", file);
            Assert.True(ShippedKeypointSets.BodyModelPart(file).Length > 0, $"{file} is not named <set>.<body model file>.json");
            Assert.True(ShippedKeypointSets.BodyModelPart(file) is "monobiomech_body" or "humanoid_torque",
                $"{file}: unknown body model; add it to ShippedKeypointSets.ModelFileFor and to the theories below");

            KeypointSet set = KeypointSet.Load(ShippedKeypointSets.PathOf(file));
            Assert.Equal(ShippedKeypointSets.SetPart(file), set.Name);
            Assert.False(string.IsNullOrWhiteSpace(set.Description), $"{file} has no description");
            Assert.Equal(set.Count, set.Names.Distinct(StringComparer.Ordinal).Count());
            Assert.Equal(set.Count, set.Names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
            for (int i = 0; i < set.Count; i++)
            {
                KeypointPlacement k = set[i];
                Assert.Equal(i, set.IndexOf(k.Name));
                int partner = set.MirrorOf(i);
                Assert.Equal(i, set.MirrorOf(partner));
                string swapped = SwapSide(k.Name);
                if (partner == i)
                    Assert.True(set.IndexOf(swapped) < 0 || swapped == k.Name, $"{file}: '{k.Name}' has no mirror but '{swapped}' exists");
                else
                    Assert.Equal(swapped, set[partner].Name);
                Assert.True(k.DefaultWeight is >= 0 and <= 1, $"{file}: '{k.Name}' weight {k.DefaultWeight}");
            }
            output.WriteLine($"{file}: {set}, {Enumerable.Range(0, set.Count).Count(i => set.MirrorOf(i) > i)} mirror pairs");
        }
    }

    [Theory]
    [KeypointSetFile(ShippedKeypointSets.BmlOwn)]
    [KeypointSetFile(ShippedKeypointSets.BmlUpstream)]
    [KeypointSetFile(ShippedKeypointSets.BlazePoseOwn)]
    public void Every_body_named_exists_in_the_body_model_the_set_names_and_partners_are_placed_symmetrically(string file)
    {
        KeypointSet set = KeypointSet.Load(ShippedKeypointSets.PathOf(file));
        BodyModel model = ShippedKeypointSets.Model(file);
        Assert.Equal(model.Name, set.BodyModelName);
        for (int i = 0; i < set.Count; i++)
        {
            KeypointPlacement k = set[i], partner = set[set.MirrorOf(i)];
            Assert.True(model.FindBody(k.BodyName) > 0, $"{file}: '{k.Name}' is on '{k.BodyName}', which {model.Name} does not have");
            Assert.Equal(MirrorBody(k.BodyName), partner.BodyName);
            if (partner != k)
            {
                Assert.Equal(k.Position.X, partner.Position.X, 12);
                Assert.Equal(k.Position.Y, partner.Position.Y, 12);
                Assert.Equal(-k.Position.Z, partner.Position.Z, 12);
            }
        }
    }

    [Theory]
    [KeypointSetFile(ShippedKeypointSets.BmlOwn)]
    [KeypointSetFile(ShippedKeypointSets.BmlUpstream)]
    public void Bml_movi_87_files_reproduce_the_sites_of_their_model_exactly(string file)
    {
        KeypointSet set = KeypointSet.Load(ShippedKeypointSets.PathOf(file));
        BodyModel model = ShippedKeypointSets.Model(file);
        Assert.Equal("bml_movi_87", set.Name);
        Assert.Equal(87, set.Count);
        Assert.Equal(model.Sites.Select(s => s.Name).Order(StringComparer.Ordinal), set.Names.Order(StringComparer.Ordinal));
        foreach (KeypointPlacement k in set.Keypoints)
        {
            SiteDefinition site = model.Sites[model.FindSite(k.Name)];
            Assert.Equal(model.Bodies[site.BodyIndex].Name, k.BodyName);
            Assert.True(Math.Abs(site.PositionInBodyMetres.X - k.Position.X) <= 1e-12
                && Math.Abs(site.PositionInBodyMetres.Y - k.Position.Y) <= 1e-12
                && Math.Abs(site.PositionInBodyMetres.Z - k.Position.Z) <= 1e-12,
                $"{file}: '{k.Name}' at {k.Position}, the site at {site.PositionInBodyMetres}");
            Assert.Equal(1.0, k.DefaultWeight);
        }
    }

    [SharedDataFact]
    public void Bml_movi_87_files_keep_MeTRAbs_order_and_mirror_mapping()
    {
        using JsonDocument derived = JsonDocument.Parse(File.ReadAllText(SharedData.DataFile("metrabs_derived.json")));
        JsonElement[] rows = derived.RootElement.GetProperty("bml_movi_87").EnumerateArray().ToArray();
        string[] order = rows.Select(r => r.GetProperty("main_py_site_name").GetString()!).ToArray();
        var siteOfCropName = rows.ToDictionary(r => r.GetProperty("crop_model_name").GetString()!, r => r.GetProperty("main_py_site_name").GetString()!);
        int[] mirrorMapping = derived.RootElement.GetProperty("mirror_mapping").EnumerateArray().Select(e => e.GetInt32()).ToArray();

        foreach (string file in new[] { ShippedKeypointSets.BmlOwn, ShippedKeypointSets.BmlUpstream })
        {
            KeypointSet set = KeypointSet.Load(ShippedKeypointSets.PathOf(file));
            Assert.Equal(order, set.Names);
            for (int i = 0; i < rows.Length; i++)
            {
                int in555 = rows[i].GetProperty("index_in_555").GetInt32();
                Assert.Equal(rows[i].GetProperty("mirror_index_in_555").GetInt32(), mirrorMapping[in555]);
                string partner = siteOfCropName[rows[i].GetProperty("mirror_crop_model_name").GetString()!];
                Assert.Equal(partner, set[set.MirrorOf(i)].Name);
            }
        }
    }

    /// <summary>The name of the same landmark on the other side: left_/right_, _left/_right, or a leading l/r, L/R (MeTRAbs' rule).</summary>
    internal static string SwapSide(string name)
    {
        if (name.StartsWith("left_", StringComparison.Ordinal)) return "right_" + name[5..];
        if (name.StartsWith("right_", StringComparison.Ordinal)) return "left_" + name[6..];
        if (name.EndsWith("_left", StringComparison.Ordinal)) return name[..^5] + "_right";
        if (name.EndsWith("_right", StringComparison.Ordinal)) return name[..^6] + "_left";
        return name[0] switch
        {
            'l' => "r" + name[1..],
            'r' => "l" + name[1..],
            'L' => "R" + name[1..],
            'R' => "L" + name[1..],
            _ => name,
        };
    }

    private static string MirrorBody(string body) =>
        body.EndsWith("_l", StringComparison.Ordinal) ? body[..^2] + "_r"
        : body.EndsWith("_r", StringComparison.Ordinal) ? body[..^2] + "_l"
        : body;
}
