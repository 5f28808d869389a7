using System.Text;

namespace MonoBiomech.Engine.Tests.TestSupport;

/// <summary>
/// Writes tiny ONNX models (opset 17, IR 8) by hand: protobuf is just tag/varint/length-delimited fields, so no
/// package is needed. Field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto, ...).
/// </summary>
internal static class OnnxModelWriter
{
    private const int FloatType = 1;

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

    private static Proto ValueInfo(string name, Dim[] shape)
    {
        var dims = new Proto();
        foreach (var d in shape)
            dims.Message(1, d.Name is null ? new Proto().Int(1, d.Value) : new Proto().String(2, d.Name));
        var tensorType = new Proto().Int(1, FloatType).Message(2, dims);
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
