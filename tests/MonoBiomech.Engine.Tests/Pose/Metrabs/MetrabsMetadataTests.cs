using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MonoBiomech.Engine.Pose.Metrabs;
using MonoBiomech.Engine.Tests.TestSupport;
using MonoBiomech.Tests;

namespace MonoBiomech.Engine.Tests.Pose.Metrabs;

public sealed class MetrabsMetadataTests
{
    private static string RealFile => SharedData.DataFile("metrabs_metadata.pkl");

    [SharedDataFact]
    public void The_published_metadata_reads_exactly_as_its_decoded_json()
    {
        var metadata = MetrabsMetadata.Read(RealFile);
        using var json = JsonDocument.Parse(File.ReadAllText(SharedData.DataFile("metrabs_metadata.decoded.json")));
        JsonElement root = json.RootElement;

        Assert.Equal(256, metadata.InputResolutionPixels);
        Assert.Equal(root.GetProperty("input_resolution").GetInt32(), metadata.InputResolutionPixels);
        Assert.Equal(root.GetProperty("joint_names").EnumerateArray().Select(n => n.GetString()!), metadata.JointNames);
        Assert.Equal(555, metadata.JointNames.Count);
        Assert.Equal(root.GetProperty("joint_edges").EnumerateArray().Select(p => (p[0].GetInt32(), p[1].GetInt32())), metadata.JointEdges);
        Assert.Equal(449, metadata.JointEdges.Count);

        var skeletonInfos = root.GetProperty("skeleton_infos").EnumerateObject().ToList();
        Assert.Equal(24, metadata.Skeletons.Count);
        Assert.Equal(skeletonInfos.Select(s => s.Name).Order(StringComparer.Ordinal), metadata.Skeletons.Keys.Order(StringComparer.Ordinal));
        foreach (JsonProperty info in skeletonInfos)
        {
            MetrabsSkeleton skeleton = metadata.Skeletons[info.Name];
            Assert.Equal(info.Name, skeleton.Name);
            Assert.Equal(Ints(info.Value.GetProperty("indices").GetProperty("values")), skeleton.JointIndices);
            Assert.Equal(info.Value.GetProperty("names").EnumerateArray().Select(n => n.GetString()!), skeleton.JointNames);
            int[] flatEdges = Ints(info.Value.GetProperty("edges").GetProperty("values"));
            Assert.Equal(Enumerable.Range(0, flatEdges.Length / 2).Select(k => (flatEdges[2 * k], flatEdges[2 * k + 1])), skeleton.Edges);
        }
        Assert.Null(metadata.RecombinationWeights);
        Assert.Equal(555, metadata.RecombinedJointCount);
    }

    [SharedDataFact]
    public void Bml_movi_87_is_joints_264_to_350_with_their_19_edges()
    {
        var metadata = MetrabsMetadata.Read(RealFile);
        using var derived = JsonDocument.Parse(File.ReadAllText(SharedData.DataFile("metrabs_derived.json")));
        var table = derived.RootElement.GetProperty("bml_movi_87").EnumerateArray().ToList();

        MetrabsSkeleton bml = metadata.Skeleton("bml_movi_87");
        Assert.Equal(Enumerable.Range(264, 87), bml.JointIndices);
        Assert.Equal(table.Select(row => row.GetProperty("metadata_name").GetString()!), bml.JointNames);
        Assert.Equal(table.Select(row => row.GetProperty("crop_model_name").GetString()!), bml.JointIndices.Select(i => metadata.JointNames[i]));
        Assert.Equal(derived.RootElement.GetProperty("bml_movi_87_edges").EnumerateArray().Select(p => (p[0].GetInt32(), p[1].GetInt32())), bml.Edges);
        Assert.Equal(19, bml.Edges.Count);
    }

    [SharedDataFact]
    public void The_mirror_of_every_joint_is_the_one_derived_from_MeTRAbs_rule()
    {
        var metadata = MetrabsMetadata.Read(RealFile);
        using var derived = JsonDocument.Parse(File.ReadAllText(SharedData.DataFile("metrabs_derived.json")));
        Assert.Equal(Ints(derived.RootElement.GetProperty("mirror_mapping")), metadata.MirrorIndices);
        int IndexOf(string name) => metadata.JointNames.ToList().IndexOf(name);
        Assert.Equal(IndexOf("rhip"), metadata.MirrorIndices[IndexOf("lhip")]);
        Assert.Equal(IndexOf("pelv"), metadata.MirrorIndices[IndexOf("pelv")]);
    }

    [SharedDataTheory]
    [InlineData("kinectv2_25")]
    [InlineData("")]
    public void Skeletons_beyond_the_555_output_joints_load_but_are_refused_with_the_reason(string name)
    {
        var metadata = MetrabsMetadata.Read(RealFile);
        Assert.True(metadata.Skeletons.ContainsKey(name));
        var e = Assert.Throws<MetrabsSkeletonException>(() => metadata.Skeleton(name));
        Assert.Contains("579", e.Message);
        Assert.Contains("555→580 joint transform", e.Message);
        Assert.Contains("ONNX export lacks", e.Message);
        Assert.Contains("bml_movi_87", e.Message);
        Assert.Equal(RealFile, e.MetadataPath);
    }

    [SharedDataFact]
    public void An_unknown_skeleton_is_refused_with_the_usable_names()
    {
        var metadata = MetrabsMetadata.Read(RealFile);
        var e = Assert.Throws<MetrabsSkeletonException>(() => metadata.Skeleton("no_such_skeleton"));
        Assert.Contains("no_such_skeleton", e.Message);
        Assert.Contains("smpl_24", e.Message);
        Assert.DoesNotContain("kinectv2_25", e.Message);
        Assert.Contains(RealFile, e.Message);
        Assert.Equal("no_such_skeleton", e.Skeleton);
        Assert.Equal(22, metadata.UsableSkeletonNames.Count()); // 24 less kinectv2_25 and the 580-joint '' skeleton
        Assert.DoesNotContain("kinectv2_25", metadata.UsableSkeletonNames);
    }

    [Fact]
    public void Recombination_weights_set_the_output_joint_count_and_skeletons_are_checked_against_it()
    {
        using var folder = new TempFolder();
        var weights = new float[] { 1, 0, 0, 1, 0.5f, 0.5f };
        string path = folder.File("recombined.pkl");
        File.WriteAllBytes(path, MinimalMetadata(new Pickle()
            .Str("recombination_weights").Float32Array([3, 2], weights)
            .Str("skeleton_infos").Dict(new Pickle()
                .Str("pair").Dict(SkeletonFields([0, 1], ["a", "b"]))
                .Str("triple").Dict(SkeletonFields([0, 1, 2], ["a", "b", "c"])))));

        var metadata = MetrabsMetadata.Read(path);

        Assert.Equal(weights, metadata.RecombinationWeights);
        Assert.Equal(2, metadata.RecombinedJointCount);
        Assert.Equal(new[] { 0, 1 }, metadata.Skeleton("pair").JointIndices);
        Assert.Equal(new[] { (0, 1) }, metadata.Skeleton("pair").Edges);
        Assert.Contains("uses joint index 2", Assert.Throws<MetrabsSkeletonException>(() => metadata.Skeleton("triple")).Message);
        Assert.Equal(new[] { 1, 0, 2 }, metadata.MirrorIndices);
    }

    public static TheoryData<string, byte[]> ForeignGlobals => new()
    {
        { "os.system", new Pickle().Proto().Global("os", "system").Str("echo pwned").Tuple1().Reduce().Stop() },
        { "builtins.eval", new Pickle().Proto().StackGlobal("builtins", "eval").Str("1+1").Tuple1().Reduce().Stop() },
        { "subprocess.Popen", new Pickle().Proto().StackGlobal("subprocess", "Popen").Stop() },
        { "numpy.core.multiarray.scalar", new Pickle().Proto().Global("numpy.core.multiarray", "scalar").Stop() },
    };

    [Theory]
    [MemberData(nameof(ForeignGlobals))]
    public void Any_global_but_numpy_s_reconstructors_is_refused_by_name(string global, byte[] pickle)
    {
        var e = ReadHostile(pickle);
        Assert.Contains($"'{global}'", e.Message);
    }

    [SharedDataTheory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(11)]
    [InlineData(20)]
    [InlineData(11_800)]
    [InlineData(16_900)]
    [InlineData(40_682)]
    public void A_truncated_file_is_refused(int keptBytes)
    {
        byte[] pickle = File.ReadAllBytes(RealFile)[..keptBytes];
        ReadHostile(pickle);
    }

    [Fact]
    public void A_hundred_thousand_nested_lists_are_refused_quickly()
    {
        var pickle = new Pickle().Proto();
        for (int i = 0; i < 100_000; i++) pickle.Op(']');
        for (int i = 0; i < 99_999; i++) pickle.Op('a');
        Assert.Contains("nested too deep", ReadHostile(pickle.Stop()).Message);
    }

    [Fact]
    public void A_hundred_thousand_marks_are_refused_quickly()
    {
        var pickle = new Pickle().Proto();
        for (int i = 0; i < 100_000; i++) pickle.Op('(');
        Assert.Contains("nested too deep", ReadHostile(pickle.Stop()).Message);
    }

    [Fact]
    public void Lists_nested_a_hundred_thousand_deep_through_the_memo_are_refused_as_not_names()
    {
        // each list goes into its parent, which is popped, and is recalled from the memo: the stack never grows
        var nested = new Pickle().Op(']').Memoize();
        for (int i = 0; i < 100_000; i++) nested.Op(']').Memoize().Op('a').Op('0').LongBinGet(i + 1);
        nested.Op('0').LongBinGet(0);
        var e = ReadHostile(MinimalMetadata(new Pickle(), jointNamesOverride: nested));
        Assert.Contains("item 0 of 'joint_names' that is a list", e.Message);
    }

    [Theory]
    [InlineData('X')]
    [InlineData('B')]
    public void A_length_field_claiming_two_gigabytes_allocates_nothing_like_it(char opcode)
    {
        var pickle = new Pickle().Proto().Op(opcode).Int32(int.MaxValue).Raw(new byte[40_000]).Stop();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        var e = ReadHostile(pickle);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 100_000_000, "allocated more than 100 MB");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Contains("runs past the end of the file", e.Message);
    }

    [Fact]
    public void A_numpy_array_claiming_more_elements_than_its_bytes_is_refused()
    {
        var pickle = MinimalMetadata(new Pickle().Str("recombination_weights").Float32Array([3, 1_000_000_000], [1, 2, 3]));
        Assert.Contains("more elements than", ReadHostile(pickle).Message);
    }

    [Fact]
    public void Skeletons_that_share_one_long_list_through_the_memo_over_and_over_are_refused()
    {
        var names = new Pickle();
        var indices = new Pickle();
        for (int i = 0; i < 5_000; i++) { names.Str("j"); indices.Op('K').Raw([0]); }
        var skeletons = new Pickle().Str("s0").Dict(new Pickle()
            .Str("indices").Op(']').Memoize().Op('(').Raw(indices.Bytes).Op('e')
            .Str("names").Op(']').Memoize().Op('(').Raw(names.Bytes).Op('e')
            .Str("edges").List(new Pickle()));
        for (int k = 1; k < 100; k++)
            skeletons.Str($"s{k}").Dict(new Pickle().Str("indices").LongBinGet(0).Str("names").LongBinGet(1).Str("edges").List(new Pickle()));
        var e = ReadHostile(MinimalMetadata(new Pickle().Str("skeleton_infos").Dict(skeletons)));
        Assert.Contains("refers to more data than it holds", e.Message);
    }

    [Fact]
    public void A_file_over_64_MB_is_refused_before_it_is_read()
    {
        using var folder = new TempFolder();
        string path = folder.File("huge.pkl");
        using (var file = File.Create(path)) file.SetLength(MetrabsMetadata.MaxFileBytes + 1);
        var e = Assert.Throws<MetrabsMetadataException>(() => MetrabsMetadata.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("67,108,865 bytes", e.Message);
    }

    [Fact]
    public void A_top_level_that_is_not_a_dict_is_refused()
    {
        Assert.Contains("holds a list at the top", ReadHostile(new Pickle().Proto().Op(']').Stop()).Message);
    }

    [Theory]
    [InlineData("joint_names")]
    [InlineData("joint_edges")]
    [InlineData("skeleton_infos")]
    [InlineData("input_resolution")]
    public void A_missing_key_is_refused_by_name(string missing)
    {
        var fields = new Pickle();
        if (missing != "input_resolution") fields.Str("input_resolution").Int(256);
        if (missing != "joint_names") fields.Str("joint_names").List(new Pickle().Str("lhip"));
        if (missing != "joint_edges") fields.Str("joint_edges").List(new Pickle());
        if (missing != "skeleton_infos") fields.Str("skeleton_infos").Dict(new Pickle());
        var e = ReadHostile(new Pickle().Proto().Dict(fields).Stop());
        Assert.Contains($"has no '{missing}'", e.Message);
    }

    [Fact]
    public void A_skeleton_with_fewer_names_than_indices_is_refused()
    {
        var pickle = MinimalMetadata(new Pickle().Str("skeleton_infos").Dict(new Pickle().Str("bad").Dict(SkeletonFields([0, 1], ["a"]))));
        Assert.Contains("1 names for 2 indices", ReadHostile(pickle).Message);
    }

    [Fact]
    public void An_edge_outside_the_joints_is_refused()
    {
        var pickle = MinimalMetadata(new Pickle(), jointEdgesOverride: new Pickle().List(new Pickle().List(new Pickle().Int(0).Int(3))));
        Assert.Contains("joins index 3", ReadHostile(pickle).Message);
    }

    [Fact]
    public void A_missing_file_is_refused_by_path()
    {
        using var folder = new TempFolder();
        string path = folder.File("absent.pkl");
        Assert.Contains("does not exist", Assert.Throws<MetrabsMetadataException>(() => MetrabsMetadata.Read(path)).Message);
    }

    private static MetrabsMetadataException ReadHostile(byte[] pickle)
    {
        using var folder = new TempFolder();
        string path = folder.File("hostile.pkl");
        File.WriteAllBytes(path, pickle);
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<MetrabsMetadataException>(() => MetrabsMetadata.Read(path));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.Contains(path, e.Message);
        Assert.Equal(path, e.MetadataPath);
        return e;
    }

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(v => v.GetInt32()).ToArray();

    /// <summary>Three joints (lhip, rhip, pelv), one edge, plus <paramref name="extraFields"/> (later keys win).</summary>
    private static byte[] MinimalMetadata(Pickle extraFields, Pickle? jointNamesOverride = null, Pickle? jointEdgesOverride = null)
    {
        var fields = new Pickle()
            .Str("input_resolution").Int(256)
            .Str("joint_names");
        if (jointNamesOverride is null) fields.List(new Pickle().Str("lhip").Str("rhip").Str("pelv"));
        else fields.Raw(jointNamesOverride.Bytes);
        fields.Str("joint_edges");
        if (jointEdgesOverride is null) fields.List(new Pickle().List(new Pickle().Int(0).Int(2)));
        else fields.Raw(jointEdgesOverride.Bytes);
        fields.Str("skeleton_infos").Dict(new Pickle()).Raw(extraFields.Bytes);
        return new Pickle().Proto().Dict(fields).Stop();
    }

    private static Pickle SkeletonFields(int[] indices, string[] names)
    {
        var nameItems = new Pickle();
        foreach (string name in names) nameItems.Str(name);
        return new Pickle()
            .Str("indices").Int32Array([indices.Length], indices)
            .Str("names").List(nameItems)
            .Str("edges").Int32Array([1, 2], [0, 1]);
    }

    /// <summary>Writes pickle opcodes by hand, the way CPython's pickler and numpy lay them out.</summary>
    private sealed class Pickle
    {
        private readonly MemoryStream _bytes = new();

        public byte[] Bytes => _bytes.ToArray();

        public Pickle Op(char opcode) { _bytes.WriteByte((byte)opcode); return this; }
        public Pickle Raw(byte[] bytes) { _bytes.Write(bytes); return this; }
        public Pickle Int32(int value) => Raw(BitConverter.GetBytes(value));
        public Pickle Proto() => Raw([0x80, 4]);
        public byte[] Stop() => Op('.').Bytes;
        public Pickle Memoize() => Raw([0x94]);
        public Pickle LongBinGet(int key) => Op('j').Int32(key);
        public Pickle Int(int value) => Op('J').Int32(value);
        public Pickle Bool(bool value) => Raw([value ? (byte)0x88 : (byte)0x89]);
        public Pickle None() => Op('N');
        public Pickle Tuple1() => Raw([0x85]);
        public Pickle Reduce() => Op('R');

        public Pickle Str(string value)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(value);
            return Op('X').Int32(utf8.Length).Raw(utf8);
        }

        public Pickle ShortBytes(byte[] value) => Raw([(byte)'C', (byte)value.Length]).Raw(value);
        public Pickle Bytes4(byte[] value) => Op('B').Int32(value.Length).Raw(value);
        public Pickle Global(string module, string name) => Op('c').Raw(Encoding.UTF8.GetBytes($"{module}\n{name}\n"));
        public Pickle StackGlobal(string module, string name) => Str(module).Str(name).Raw([0x93]);
        public Pickle List(Pickle items) => Op(']').Op('(').Raw(items.Bytes).Op('e');
        public Pickle Dict(Pickle items) => Op('}').Op('(').Raw(items.Bytes).Op('u');

        public Pickle Int32Array(int[] shape, int[] values) =>
            NumpyArray(shape, "i4", values.SelectMany(BitConverter.GetBytes).ToArray());

        public Pickle Float32Array(int[] shape, float[] values) =>
            NumpyArray(shape, "f4", values.SelectMany(BitConverter.GetBytes).ToArray());

        // _reconstruct(ndarray, (0,), b'b'), then BUILD with (1, shape, dtype, fortran_order, raw bytes)
        private Pickle NumpyArray(int[] shape, string typeCode, byte[] raw)
        {
            StackGlobal("numpy._core.multiarray", "_reconstruct").StackGlobal("numpy", "ndarray")
                .Int(0).Tuple1().ShortBytes("b"u8.ToArray()).Raw([0x87]).Reduce();
            Op('(').Int(1).Op('(');
            foreach (int extent in shape) Int(extent);
            Op('t');
            StackGlobal("numpy", "dtype").Str(typeCode).Bool(false).Bool(true).Raw([0x87]).Reduce()
                .Op('(').Int(3).Str("<").None().None().None().Int(-1).Int(-1).Int(0).Op('t').Op('b');
            return Bool(false).Bytes4(raw).Op('t').Op('b');
        }
    }
}
