using System.Text;

namespace MonoBiomech.Module.Tests;

/// <summary>
/// Writes a minimal ONNX model by hand (protobuf wire format, opset 17): Y[1,3] = X[1,3] + B with B = (10, 20, 30).
/// Enough to prove ONNX Runtime's native library loads and runs inside the module's load context.
/// </summary>
internal static class TinyOnnxModel
{
    public static readonly float[] Bias = { 10f, 20f, 30f };

    public static byte[] AddBias()
    {
        var biasBytes = new byte[Bias.Length * 4];
        Buffer.BlockCopy(Bias, 0, biasBytes, 0, biasBytes.Length);
        var bias = new Proto().Int(1, 3).Int(2, 1).Str(8, "B").Bytes(9, biasBytes);            // TensorProto FLOAT [3]
        var node = new Proto().Str(1, "X").Str(1, "B").Str(2, "Y").Str(3, "add").Str(4, "Add");  // NodeProto
        var graph = new Proto().Msg(1, node).Str(2, "add_bias").Msg(5, bias)
            .Msg(11, ValueInfo("X")).Msg(12, ValueInfo("Y"));
        return new Proto().Int(1, 8).Str(2, "MonoBiomech.Module.Tests").Msg(7, graph)
            .Msg(8, new Proto().Str(1, "").Int(2, 17)).ToArray();
    }

    private static Proto ValueInfo(string name)
    {
        var shape = new Proto().Msg(1, new Proto().Int(1, 1)).Msg(1, new Proto().Int(1, 3));
        var tensorType = new Proto().Int(1, 1).Msg(2, shape);
        return new Proto().Str(1, name).Msg(2, new Proto().Msg(1, tensorType));
    }

    private sealed class Proto
    {
        private readonly MemoryStream _buffer = new();

        private void Varint(ulong value)
        {
            while (value >= 0x80) { _buffer.WriteByte((byte)(value | 0x80)); value >>= 7; }
            _buffer.WriteByte((byte)value);
        }

        private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

        public Proto Int(int field, long value) { Tag(field, 0); Varint((ulong)value); return this; }

        public Proto Bytes(int field, byte[] bytes) { Tag(field, 2); Varint((ulong)bytes.Length); _buffer.Write(bytes); return this; }

        public Proto Str(int field, string text) => Bytes(field, Encoding.UTF8.GetBytes(text));

        public Proto Msg(int field, Proto message) => Bytes(field, message.ToArray());

        public byte[] ToArray() => _buffer.ToArray();
    }
}
