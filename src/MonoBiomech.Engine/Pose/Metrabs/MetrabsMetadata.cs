namespace MonoBiomech.Engine.Pose.Metrabs;

/// <summary>
/// One of the skeletons the MeTRAbs model can answer in: <paramref name="JointIndices"/> pick its joints out of the
/// model's (recombined) output joints, <paramref name="Edges"/> join the skeleton's own joints (indices into
/// <paramref name="JointNames"/>).
/// </summary>
public sealed record MetrabsSkeleton(string Name, IReadOnlyList<int> JointIndices, IReadOnlyList<string> JointNames, IReadOnlyList<(int From, int To)> Edges);

/// <summary>A MeTRAbs metadata file cannot be read, is not one, or does not hold what was asked of it.</summary>
public sealed class MetrabsMetadataException(string path, string message, Exception? inner = null)
    : Exception($"{path}: {message}", inner)
{
    public string MetadataPath { get; } = path;
}

/// <summary>The metadata has no usable skeleton of the name asked for (the command's -Skeleton).</summary>
public sealed class MetrabsSkeletonException(string path, string skeleton, string message) : Exception($"{path}: {message}")
{
    public string MetadataPath { get; } = path;
    public string Skeleton { get; } = skeleton;
}

/// <summary>
/// The metadata that comes with a MeTRAbs model (<c>metrabs_metadata.pkl</c>): the crop model's input size, the names
/// and edges of its output joints, the skeletons that are subsets of them, and optional recombination weights.
/// Read by <see cref="RestrictedPickleReader"/>, which executes nothing in the file.
/// </summary>
public sealed class MetrabsMetadata
{
    /// <summary>Larger than any real metadata file (the published one is 40 KB) by far; refused before reading.</summary>
    public const long MaxFileBytes = 64L * 1024 * 1024;

    private readonly Dictionary<string, int> _firstUnreachableIndex;

    private MetrabsMetadata(string path, int inputResolution, string[] jointNames, (int, int)[] jointEdges,
        Dictionary<string, MetrabsSkeleton> skeletons, float[]? recombinationWeights, int recombinedJointCount)
    {
        SourcePath = path;
        InputResolutionPixels = inputResolution;
        JointNames = jointNames;
        JointEdges = jointEdges;
        Skeletons = skeletons;
        RecombinationWeights = recombinationWeights;
        RecombinedJointCount = recombinedJointCount;
        MirrorIndices = MirrorOf(jointNames);
        _firstUnreachableIndex = skeletons.Values
            .Select(s => (s.Name, Unreachable: s.JointIndices.Where(i => i >= recombinedJointCount).DefaultIfEmpty(-1).Max()))
            .Where(s => s.Unreachable >= 0)
            .ToDictionary(s => s.Name, s => s.Unreachable, StringComparer.Ordinal);
    }

    /// <summary>The file this was read from.</summary>
    public string SourcePath { get; }

    /// <summary>The side of the square crop the model takes, in pixels (256 for the published model).</summary>
    public int InputResolutionPixels { get; }

    /// <summary>The names of the crop model's output joints, in output order (555 for the published model).</summary>
    public IReadOnlyList<string> JointNames { get; }

    /// <summary>Pairs of indices into <see cref="JointNames"/> (449 for the published model).</summary>
    public IReadOnlyList<(int From, int To)> JointEdges { get; }

    /// <summary>Every skeleton in the file by name (ordinal), usable or not; <see cref="Skeleton"/> hands out the usable ones.</summary>
    public IReadOnlyDictionary<string, MetrabsSkeleton> Skeletons { get; }

    /// <summary>
    /// The linear map from the crop model's joints to the output joints, row-major [<see cref="JointNames"/>.Count,
    /// <see cref="RecombinedJointCount"/>]: output[k] = Σ_j joint[j]·W[j·RecombinedJointCount + k].
    /// Null when the file has no <c>recombination_weights</c> (the published one has none).
    /// </summary>
    public float[]? RecombinationWeights { get; }

    /// <summary>How many joints come out after recombination (<see cref="JointNames"/>.Count when there are no weights).</summary>
    public int RecombinedJointCount { get; }

    /// <summary>Per joint, the joint of the other side: the one whose name swaps a leading 'l' and 'r'; else the joint itself.</summary>
    public IReadOnlyList<int> MirrorIndices { get; }

    /// <summary>Reads and checks a metadata pickle without executing anything in it.</summary>
    /// <exception cref="MetrabsMetadataException">Missing, too large, not a pickle this reader accepts, or not MeTRAbs metadata.</exception>
    public static MetrabsMetadata Read(string path)
    {
        byte[] pickle = ReadBoundedFile(path);
        object? root;
        try
        {
            root = RestrictedPickleReader.Load(pickle);
        }
        catch (InvalidDataException e)
        {
            throw new MetrabsMetadataException(path, $"is not a metadata pickle this reader accepts: {e.Message}", e);
        }
        return FromPickledValue(path, root, pickle.Length);
    }

    /// <summary>The skeleton called <paramref name="name"/> (ordinal), if the model's output reaches all of its joints.</summary>
    /// <exception cref="MetrabsSkeletonException">No such skeleton, or one whose joints lie beyond the output joints.</exception>
    public MetrabsSkeleton Skeleton(string name)
    {
        if (!Skeletons.TryGetValue(name, out MetrabsSkeleton? skeleton))
            throw new MetrabsSkeletonException(SourcePath, name, $"has no skeleton '{name}'; the usable ones are: {string.Join(", ", UsableSkeletonNames)}");
        if (_firstUnreachableIndex.TryGetValue(name, out int unreachable))
            throw new MetrabsSkeletonException(SourcePath, name,
                $"skeleton '{name}' uses joint index {unreachable}, beyond the {RecombinedJointCount} joints the model puts out: " +
                "its indices need MeTRAbs' 555→580 joint transform, which the ONNX export lacks. " +
                $"The usable skeletons are: {string.Join(", ", UsableSkeletonNames)}");
        return skeleton;
    }

    /// <summary>The skeletons <see cref="Skeleton"/> hands out, by name (ordinal order).</summary>
    public IEnumerable<string> UsableSkeletonNames =>
        Skeletons.Keys.Where(n => !_firstUnreachableIndex.ContainsKey(n)).Select(n => n.Length == 0 ? "''" : n).Order(StringComparer.Ordinal);

    private static byte[] ReadBoundedFile(string path)
    {
        try
        {
            var file = new FileInfo(path);
            if (!file.Exists) throw new MetrabsMetadataException(path, "does not exist");
            if (file.Length > MaxFileBytes)
                throw new MetrabsMetadataException(path, $"is {file.Length:N0} bytes, more than the {MaxFileBytes:N0} any MeTRAbs metadata file needs");
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new MetrabsMetadataException(path, $"cannot be read: {e.Message}", e);
        }
    }

    private static MetrabsMetadata FromPickledValue(string path, object? root, long fileBytes)
    {
        var invalid = (string message) => new MetrabsMetadataException(path, message);
        if (root is not Dictionary<object, object?> top)
            throw invalid($"holds a {PickleValues.Describe(root)} at the top, not the dict of MeTRAbs metadata");
        object? Required(string key) =>
            top.TryGetValue(key, out object? value) ? value : throw invalid($"has no '{key}' (it has: {string.Join(", ", top.Keys.Take(20))})");

        var reader = new ValueReader(invalid, elementBudget: fileBytes);
        int inputResolution = reader.PositiveInt(Required("input_resolution"), "input_resolution");
        string[] jointNames = reader.Strings(Required("joint_names"), "joint_names");
        if (jointNames.Length == 0) throw invalid("has no joint names");
        if (jointNames.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
            throw invalid($"names the joint '{duplicate.Key}' more than once");
        (int, int)[] jointEdges = reader.IndexPairs(Required("joint_edges"), "joint_edges", jointNames.Length);

        float[]? weights = null;
        int recombinedJointCount = jointNames.Length;
        if (top.TryGetValue("recombination_weights", out object? weightsValue))
            (weights, recombinedJointCount) = reader.RecombinationWeights(weightsValue, jointNames.Length);

        if (Required("skeleton_infos") is not Dictionary<object, object?> skeletonInfos)
            throw invalid("has a 'skeleton_infos' that is not a dict");
        var skeletons = new Dictionary<string, MetrabsSkeleton>(StringComparer.Ordinal);
        foreach ((object key, object? info) in skeletonInfos)
        {
            if (key is not string name) throw invalid($"has a skeleton named by a {PickleValues.Describe(key)}");
            skeletons[name] = reader.Skeleton(name, info);
        }
        return new MetrabsMetadata(path, inputResolution, jointNames, jointEdges, skeletons, weights, recombinedJointCount);
    }

    private static int[] MirrorOf(string[] jointNames)
    {
        var indexOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < jointNames.Length; i++) indexOf[jointNames[i]] = i;
        return jointNames.Select((name, i) =>
        {
            string? otherSide = name.Length == 0 ? null : name[0] switch { 'l' => "r" + name[1..], 'r' => "l" + name[1..], _ => null };
            return otherSide is not null && indexOf.TryGetValue(otherSide, out int mirror) ? mirror : i;
        }).ToArray();
    }

    /// <summary>Turns the reader's plain values into checked typed ones; every failure names the key it was reading.</summary>
    /// <param name="elementBudget">
    /// How many names, indices and weights may be read in all: the file's size, since each costs at least a byte unless
    /// the memo hands the same list or array out again, which a hostile file can do a million times over.
    /// </param>
    private sealed class ValueReader(Func<string, MetrabsMetadataException> invalid, long elementBudget)
    {
        private void Charge(int elements, string what)
        {
            elementBudget -= elements;
            if (elementBudget < 0) throw invalid($"refers to more data than it holds by the time it reaches '{what}': the same lists or arrays over and over");
        }

        public int PositiveInt(object? value, string what) =>
            value is long n && n is > 0 and <= int.MaxValue ? (int)n : throw invalid($"has a '{what}' that is not a positive integer");

        public string[] Strings(object? value, string what)
        {
            if (value is not List<object?> list) throw invalid($"has a '{what}' that is a {PickleValues.Describe(value)}, not a list of names");
            Charge(list.Count, what);
            return list.Select((item, i) => item as string ?? throw invalid($"has item {i} of '{what}' that is a {PickleValues.Describe(item)}, not a name")).ToArray();
        }

        public int[] Indices(object? value, string what)
        {
            long[] indices = value switch
            {
                PickledNumpyArray { Shape.Length: 1 } array => Integers(array, what),
                List<object?> list => list.Select(item => item as long? ?? throw invalid($"has a '{what}' with a {PickleValues.Describe(item)} among its indices")).ToArray(),
                _ => throw invalid($"has a '{what}' that is a {PickleValues.Describe(value)}, not a list of indices"),
            };
            Charge(indices.Length, what);
            return indices.Select(i => i is >= 0 and <= int.MaxValue ? (int)i : throw invalid($"has a '{what}' with the index {i}")).ToArray();
        }

        /// <summary>Pairs as pickled either way: a list of 2-item lists or tuples, or an integer numpy array [n, 2].</summary>
        public (int, int)[] IndexPairs(object? value, string what, int indexCount)
        {
            long[] flat = value switch
            {
                PickledNumpyArray { Shape: [_, 2] } array => Integers(array, what),
                List<object?> pairs => pairs.SelectMany(pair => pair switch
                {
                    List<object?> { Count: 2 } p when p[0] is long && p[1] is long => new[] { (long)p[0]!, (long)p[1]! },
                    object?[] { Length: 2 } p when p[0] is long && p[1] is long => new[] { (long)p[0]!, (long)p[1]! },
                    _ => throw invalid($"has a '{what}' with a {PickleValues.Describe(pair)} where a pair of indices belongs"),
                }).ToArray(),
                PickledNumpyArray => throw invalid($"has a '{what}' array that is not of shape [n, 2]"),
                _ => throw invalid($"has a '{what}' that is a {PickleValues.Describe(value)}, not pairs of indices"),
            };
            Charge(flat.Length, what);
            foreach (long index in flat)
                if (index < 0 || index >= indexCount)
                    throw invalid($"has a '{what}' that joins index {index}, outside 0..{indexCount - 1}");
            return Enumerable.Range(0, flat.Length / 2).Select(k => ((int)flat[2 * k], (int)flat[2 * k + 1])).ToArray();
        }

        public MetrabsSkeleton Skeleton(string name, object? info)
        {
            string what = $"skeleton_infos['{name}']";
            if (info is not Dictionary<object, object?> fields) throw invalid($"has a {what} that is a {PickleValues.Describe(info)}, not a dict");
            object? Field(string key) =>
                fields.TryGetValue(key, out object? value) ? value : throw invalid($"has a {what} without '{key}'");
            int[] indices = Indices(Field("indices"), $"{what}['indices']");
            string[] names = Strings(Field("names"), $"{what}['names']");
            if (names.Length != indices.Length)
                throw invalid($"has a {what} with {names.Length} names for {indices.Length} indices");
            (int, int)[] edges = IndexPairs(Field("edges"), $"{what}['edges']", indices.Length);
            return new MetrabsSkeleton(name, indices, names, edges);
        }

        public (float[] Weights, int OutputJoints) RecombinationWeights(object? value, int jointCount)
        {
            if (value is not PickledNumpyArray { Shape: [var rows, var columns] } array || rows != jointCount || columns == 0)
                throw invalid($"has 'recombination_weights' that are not a numpy array [{jointCount}, output joints]");
            Charge(array.Values?.Length ?? 0, "recombination_weights");
            float[] weights = array.Values switch
            {
                float[] single => single,
                double[] doubles => doubles.Select(w => (float)w).ToArray(),
                _ => throw invalid("has 'recombination_weights' that are not floating point"),
            };
            return (weights, columns);
        }

        private long[] Integers(PickledNumpyArray array, string what) => array.Values switch
        {
            int[] ints => ints.Select(i => (long)i).ToArray(),
            long[] longs => longs,
            _ => throw invalid($"has a '{what}' array that is not of integers"),
        };
    }
}
