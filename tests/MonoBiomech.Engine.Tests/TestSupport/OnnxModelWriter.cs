using System.Text;

namespace MonoBiomech.Engine.Tests.TestSupport;

/// <summary>
/// Writes tiny ONNX models (opset 17, IR 8) by hand: protobuf is just tag/varint/length-delimited fields, so no
/// package is needed. Field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto, ...).
/// </summary>
internal static class OnnxModelWriter
{
    private const int FloatType = 1, Int64Type = 7, Float16Type = 10;

    /// <summary>A dimension: a fixed size, or a symbolic name (dynamic).</summary>
    internal readonly record struct Dim(long Value, string? Name = null)
    {
        public static implicit operator Dim(long value) => new(value);
        public static implicit operator Dim(string name) => new(0, name);
    }

    /// <summary>
    /// A model with one float input and outputs that are constants (the given tensors), made to depend on the input
    /// by adding 0 × mean(input) so that ONNX Runtime must read the input and the shapes flow.
    /// </summary>
    public static byte[] ConstantOutputs(string inputName, Dim[] inputShape, params (string Name, long[] Shape, float[] Values)[] outputs)
    {
        var graph = new Proto().String(2, "constant_outputs");
        int reducedAxes = inputShape.Length;
        graph.Message(1, Node("ReduceMean", [inputName], ["input_mean"], new Proto().String(1, "axes").Ints(8, Enumerable.Range(1, reducedAxes - 1)).Int(20, 7),
            new Proto().String(1, "keepdims").Int(3, 0).Int(20, 2)));
        graph.Message(5, Tensor("zero", [], [0f]));
        graph.Message(1, Node("Mul", ["input_mean", "zero"], ["input_zero"]));
        foreach (var (name, shape, values) in outputs)
        {
            graph.Message(5, Tensor(name + "_constant", shape, values));
            graph.Message(1, Node("Add", [name + "_constant", "input_zero"], [name]));
        }
        graph.Message(11, ValueInfo(inputName, inputShape));
        foreach (var (name, shape, _) in outputs)
            graph.Message(12, ValueInfo(name, shape.Select(d => (Dim)d).ToArray()));
        return Model(graph);
    }

    /// <summary>Y[N,3] = X[N,4]·W + B: a valid model that is no detector.</summary>
    public static byte[] MatMulAdd()
    {
        var graph = new Proto().String(2, "matmul_add");
        graph.Message(5, Tensor("W", [4, 3], Enumerable.Range(0, 12).Select(i => i * 0.5f).ToArray()));
        graph.Message(5, Tensor("B", [3], [1f, 2f, 3f]));
        graph.Message(1, Node("MatMul", ["X", "W"], ["XW"]));
        graph.Message(1, Node("Add", ["XW", "B"], ["Y"]));
        graph.Message(11, ValueInfo("X", ["N", 4]));
        graph.Message(12, ValueInfo("Y", ["N", 3]));
        return Model(graph);
    }

    /// <summary>
    /// A stand-in for the MeTRAbs backbone that answers each crop with a row of a table: input <c>image</c>
    /// [N,side,side,3] (float16 or float32), outputs [N,J,2] and [N,J,3]. The row is the key (a pair of values) nearest
    /// to the crop's centre pixel (its red and green), so a test that paints each frame in its own colour knows which
    /// frame and augmentation every crop came from, and can make the network's answer the exact geometry of that crop.
    /// </summary>
    /// <param name="keys">[row, (red, green)]: the crop centre's values in [0, 1] that select each row.</param>
    /// <param name="coordinates2d">[row, joint, xy]: crop pixels.</param>
    /// <param name="coordinates3d">[row, joint, xyz]: millimetres.</param>
    public static byte[] MetrabsLookupOracle(int side, int joints, float[] keys, float[] coordinates2d, float[] coordinates3d, bool halfPrecisionInput,
        string output2dName = "coords2d", string output3dName = "coords3d")
    {
        int rows = keys.Length / 2, centre = side / 2;
        var graph = new Proto().String(2, "metrabs_lookup_oracle");
        graph.Message(5, Int64Tensor("starts", [0, centre, centre, 0]));
        graph.Message(5, Int64Tensor("ends", [long.MaxValue, centre + 1, centre + 1, 2]));
        graph.Message(5, Int64Tensor("pair_shape", [-1, 2]));
        graph.Message(5, Int64Tensor("shape2d", [-1, joints, 2]));
        graph.Message(5, Int64Tensor("shape3d", [-1, joints, 3]));
        graph.Message(5, Tensor("keys_t", [2, rows], Enumerable.Range(0, 2 * rows).Select(i => keys[(i % rows) * 2 + i / rows]).ToArray()));
        graph.Message(5, Tensor("key_norms", [1, rows], Enumerable.Range(0, rows).Select(r => keys[2 * r] * keys[2 * r] + keys[2 * r + 1] * keys[2 * r + 1]).ToArray()));
        graph.Message(5, Tensor("ones", [2, 1], [1f, 1f]));
        graph.Message(5, Tensor("minus_two", [], [-2f]));
        graph.Message(5, Tensor("table2d", [rows, joints * 2], coordinates2d));
        graph.Message(5, Tensor("table3d", [rows, joints * 3], coordinates3d));
        graph.Message(1, Node("Cast", ["image"], ["pixels"], new Proto().String(1, "to").Int(3, FloatType).Int(20, 2)));
        graph.Message(1, Node("Slice", ["pixels", "starts", "ends"], ["centre"]));
        graph.Message(1, Node("Reshape", ["centre", "pair_shape"], ["pair"]));
        // squared distance to every key: |c|² − 2 c·k + |k|², then the nearest key's row
        graph.Message(1, Node("MatMul", ["pair", "keys_t"], ["dot"]));
        graph.Message(1, Node("Mul", ["dot", "minus_two"], ["minus_two_dot"]));
        graph.Message(1, Node("Mul", ["pair", "pair"], ["pair_squared"]));
        graph.Message(1, Node("MatMul", ["pair_squared", "ones"], ["pair_norm"]));
        graph.Message(1, Node("Add", ["minus_two_dot", "pair_norm"], ["partial"]));
        graph.Message(1, Node("Add", ["partial", "key_norms"], ["distance"]));
        graph.Message(1, Node("ArgMin", ["distance"], ["row"], new Proto().String(1, "axis").Int(3, 1).Int(20, 2), new Proto().String(1, "keepdims").Int(3, 0).Int(20, 2)));
        graph.Message(1, Node("Gather", ["table2d", "row"], ["rows2d"]));
        graph.Message(1, Node("Gather", ["table3d", "row"], ["rows3d"]));
        graph.Message(1, Node("Reshape", ["rows2d", "shape2d"], [output2dName]));
        graph.Message(1, Node("Reshape", ["rows3d", "shape3d"], [output3dName]));
        graph.Message(11, ValueInfo("image", ["N", side, side, 3], halfPrecisionInput ? Float16Type : FloatType));
        graph.Message(12, ValueInfo(output2dName, ["N", joints, 2]));
        graph.Message(12, ValueInfo(output3dName, ["N", joints, 3]));
        return Model(graph);
    }

    /// <summary>
    /// A network with the MeTRAbs backbone's interface and an EfficientNetV2-S body, for benchmarks: float16 input
    /// [N,side,side,3], EfficientNetV2-S's stages (stem, fused-MBConv stages, MBConv stages with depthwise convolutions
    /// and squeeze-and-excitation, SiLU activations, residual connections; batch norm folded away as in an inference
    /// export) at their published widths and depths, a 1x1 head, global pooling and two linear heads giving [N,J,2] and
    /// [N,J,3]. Random weights: the cost is the real one's, the answers are noise. <paramref name="depthFraction"/> &lt; 1
    /// keeps that fraction of each stage's blocks (a cheaper network of the same shape).
    /// </summary>
    public static byte[] EfficientNetV2SBackbone(int side, int joints, double depthFraction = 1, int seed = 1)
    {
        var random = new Random(seed);
        var graph = new Proto().String(2, "efficientnetv2s_backbone");
        int names = 0;
        string Name(string kind) => $"{kind}{names++}";
        string Conv(string input, int inChannels, int outChannels, int kernel, int stride, int groups = 1)
        {
            string weights = Name("w"), output = Name("conv");
            int fanIn = inChannels / groups * kernel * kernel;
            graph.Message(5, Tensor(weights, [outChannels, inChannels / groups, kernel, kernel],
                Enumerable.Range(0, outChannels * fanIn).Select(_ => (float)((random.NextDouble() - 0.5) * 2 / Math.Sqrt(fanIn))).ToArray()));
            graph.Message(1, Node("Conv", [input, weights], [output],
                new Proto().String(1, "kernel_shape").Ints(8, [kernel, kernel]).Int(20, 7),
                new Proto().String(1, "pads").Ints(8, Enumerable.Repeat(kernel / 2, 4)).Int(20, 7),
                new Proto().String(1, "strides").Ints(8, [stride, stride]).Int(20, 7),
                new Proto().String(1, "group").Int(3, groups).Int(20, 2)));
            return output;
        }
        string Silu(string input)
        {
            string gate = Name("sigmoid"), output = Name("silu");
            graph.Message(1, Node("Sigmoid", [input], [gate]));
            graph.Message(1, Node("Mul", [input, gate], [output]));
            return output;
        }
        string Add(string a, string b)
        {
            string output = Name("sum");
            graph.Message(1, Node("Add", [a, b], [output]));
            return output;
        }
        string SqueezeExcite(string input, int channels, int reduced)
        {
            string pooled = Name("pool"), gate = Name("gate"), output = Name("excited");
            graph.Message(1, Node("GlobalAveragePool", [input], [pooled]));
            graph.Message(1, Node("Sigmoid", [Conv(Silu(Conv(pooled, channels, reduced, 1, 1)), reduced, channels, 1, 1)], [gate]));
            graph.Message(1, Node("Mul", [input, gate], [output]));
            return output;
        }

        graph.Message(1, Node("Cast", ["image"], ["pixels"], new Proto().String(1, "to").Int(3, FloatType).Int(20, 2)));
        graph.Message(1, Node("Transpose", ["pixels"], ["planar"], new Proto().String(1, "perm").Ints(8, [0, 3, 1, 2]).Int(20, 7)));
        string x = Silu(Conv("planar", 3, 24, 3, 2));
        int channels = 24;
        // EfficientNetV2-S (Tan & Le 2021, table 4): (fused, expansion, stride, output channels, blocks)
        var stages = new (bool Fused, int Expansion, int Stride, int Channels, int Blocks)[]
        {
            (true, 1, 1, 24, 2), (true, 4, 2, 48, 4), (true, 4, 2, 64, 4), (false, 4, 2, 128, 6), (false, 6, 1, 160, 9), (false, 6, 2, 256, 15),
        };
        foreach (var stage in stages)
            for (int block = 0; block < Math.Max(1, (int)Math.Round(stage.Blocks * depthFraction)); block++)
            {
                int stride = block == 0 ? stage.Stride : 1, expanded = channels * stage.Expansion;
                string y;
                if (stage.Fused)
                    y = stage.Expansion == 1
                        ? Silu(Conv(x, channels, stage.Channels, 3, stride))
                        : Conv(Silu(Conv(x, channels, expanded, 3, stride)), expanded, stage.Channels, 1, 1);
                else
                {
                    string expandedMap = Silu(Conv(x, channels, expanded, 1, 1));
                    string depthwise = Silu(Conv(expandedMap, expanded, expanded, 3, stride, groups: expanded));
                    y = Conv(SqueezeExcite(depthwise, expanded, Math.Max(1, channels / 4)), expanded, stage.Channels, 1, 1);
                }
                x = stride == 1 && channels == stage.Channels ? Add(x, y) : y;
                channels = stage.Channels;
            }
        x = Silu(Conv(x, channels, 1280, 1, 1));
        graph.Message(1, Node("GlobalAveragePool", [x], ["pooled"]));
        graph.Message(1, Node("Flatten", ["pooled"], ["features"]));
        graph.Message(5, Int64Tensor("shape2d", [-1, joints, 2]));
        graph.Message(5, Int64Tensor("shape3d", [-1, joints, 3]));
        graph.Message(5, Tensor("head2d", [1280, joints * 2], Enumerable.Range(0, 1280 * joints * 2).Select(_ => (float)(random.NextDouble() - 0.5) / 36).ToArray()));
        graph.Message(5, Tensor("head3d", [1280, joints * 3], Enumerable.Range(0, 1280 * joints * 3).Select(_ => (float)(random.NextDouble() - 0.5) / 36).ToArray()));
        graph.Message(1, Node("MatMul", ["features", "head2d"], ["flat2d"]));
        graph.Message(1, Node("MatMul", ["features", "head3d"], ["flat3d"]));
        graph.Message(1, Node("Reshape", ["flat2d", "shape2d"], ["coords2d"]));
        graph.Message(1, Node("Reshape", ["flat3d", "shape3d"], ["coords3d"]));
        graph.Message(11, ValueInfo("image", ["N", side, side, 3], Float16Type));
        graph.Message(12, ValueInfo("coords2d", ["N", joints, 2]));
        graph.Message(12, ValueInfo("coords3d", ["N", joints, 3]));
        return Model(graph);
    }

    private static byte[] Model(Proto graph) =>
        new Proto().Int(1, 8).String(2, "MonoBiomech.Tests").Message(7, graph).Message(8, new Proto().String(1, "").Int(2, 17)).ToArray();

    private static Proto Node(string op, string[] inputs, string[] outputs, params Proto[] attributes)
    {
        var node = new Proto();
        foreach (var i in inputs) node.String(1, i);
        foreach (var o in outputs) node.String(2, o);
        node.String(3, op + "_" + outputs[0]).String(4, op);
        foreach (var a in attributes) node.Message(5, a);
        return node;
    }

    private static Proto Tensor(string name, long[] shape, float[] values)
    {
        var tensor = new Proto();
        foreach (var d in shape) tensor.Int(1, d);
        tensor.Int(2, FloatType).String(8, name);
        var raw = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length); // little-endian on every supported platform
        return tensor.Bytes(9, raw);
    }

    private static Proto Int64Tensor(string name, long[] values)
    {
        var raw = new byte[values.Length * 8];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        return new Proto().Int(1, values.Length).Int(2, Int64Type).String(8, name).Bytes(9, raw);
    }

    private static Proto ValueInfo(string name, Dim[] shape, int elementType = FloatType)
    {
        var dims = new Proto();
        foreach (var d in shape)
            dims.Message(1, d.Name is null ? new Proto().Int(1, d.Value) : new Proto().String(2, d.Name));
        var tensorType = new Proto().Int(1, elementType).Message(2, dims);
        return new Proto().String(1, name).Message(2, new Proto().Message(1, tensorType));
    }

    /// <summary>Minimal protobuf encoder.</summary>
    private sealed class Proto
    {
        private readonly MemoryStream _bytes = new();

        private void Varint(ulong v)
        {
            while (v >= 0x80) { _bytes.WriteByte((byte)(v | 0x80)); v >>= 7; }
            _bytes.WriteByte((byte)v);
        }

        private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

        public Proto Int(int field, long value) { Tag(field, 0); Varint((ulong)value); return this; }
        public Proto Ints(int field, IEnumerable<int> values) { foreach (var v in values) Int(field, v); return this; }
        public Proto Bytes(int field, byte[] value) { Tag(field, 2); Varint((ulong)value.Length); _bytes.Write(value); return this; }
        public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));
        public Proto Message(int field, Proto message) => Bytes(field, message.ToArray());
        public byte[] ToArray() => _bytes.ToArray();
    }
}
