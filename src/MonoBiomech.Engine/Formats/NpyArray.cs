using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace MonoBiomech.Engine.Formats;

/// <summary>A file that is not a valid .npy/.npz (or lacks an expected array). The message names the file.</summary>
public sealed class NpyFormatException : Exception
{
    public NpyFormatException(string path, string problem, Exception? inner = null)
        : base($"'{path}' is not a valid NumPy file: {problem}", inner) => FilePath = path;

    public string FilePath { get; }
}

/// <summary>Element types this reader/writer supports (little-endian, as NumPy writes on x86/ARM).</summary>
public enum NpyDataType { Float64, Float32, Int64, Int32, UnicodeString }

/// <summary>
/// One n-dimensional NumPy array in C order. Numbers are held as <see cref="double"/> (exact for f4, f8, i4 and
/// integers up to 2^53); strings (dtype &lt;U) as <see cref="string"/>.
/// </summary>
public sealed class NpyArray
{
    private NpyArray(NpyDataType dataType, int[] shape, double[]? numbers, string[]? strings)
    {
        DataType = dataType;
        Shape = shape;
        Numbers = numbers;
        Strings = strings;
    }

    public NpyDataType DataType { get; }
    public int[] Shape { get; }
    public double[]? Numbers { get; }
    public string[]? Strings { get; }
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    public static NpyArray FromNumbers(double[] values, int[] shape, NpyDataType dataType = NpyDataType.Float64)
    {
        if (dataType == NpyDataType.UnicodeString) throw new ArgumentException("Use FromStrings for string arrays.", nameof(dataType));
        CheckShape(values.Length, shape);
        return new NpyArray(dataType, (int[])shape.Clone(), values, null);
    }

    public static NpyArray FromStrings(IReadOnlyList<string> values, int[]? shape = null)
    {
        shape ??= new[] { values.Count };
        CheckShape(values.Count, shape);
        return new NpyArray(NpyDataType.UnicodeString, (int[])shape.Clone(), null, values.ToArray());
    }

    private static void CheckShape(int count, int[] shape)
    {
        if (shape.Any(d => d < 0) || shape.Aggregate(1L, (a, b) => a * b) != count)
            throw new ArgumentException($"Shape ({string.Join(",", shape)}) does not hold {count} values.");
    }

    /// <summary>The numbers, or a clear error naming <paramref name="path"/> when the array holds strings.</summary>
    internal double[] RequireNumbers(string path, string name) =>
        Numbers ?? throw new NpyFormatException(path, $"array '{name}' holds strings, numbers expected.");

    private static readonly byte[] Magic = { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };

    /// <summary>Writes the array in .npy format version 1.0 (2.0 when the header needs it).</summary>
    public void Write(Stream stream)
    {
        int stringLength = DataType == NpyDataType.UnicodeString ? Math.Max(1, Strings!.Max(s => s.Length)) : 0;
        string descr = DataType switch
        {
            NpyDataType.Float64 => "<f8",
            NpyDataType.Float32 => "<f4",
            NpyDataType.Int64 => "<i8",
            NpyDataType.Int32 => "<i4",
            _ => "<U" + stringLength.ToString(CultureInfo.InvariantCulture),
        };
        string shapeText = Shape.Length == 1 ? $"({Shape[0]},)" : "(" + string.Join(", ", Shape) + ")";
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        int preamble = 10;
        int total = preamble + dict.Length + 1;
        int version = 1;
        if (total + (64 - total % 64) % 64 - preamble > ushort.MaxValue) { version = 2; preamble = 12; total = preamble + dict.Length + 1; }
        int padded = total + (64 - total % 64) % 64;
        string header = dict + new string(' ', padded - total) + "\n";
        byte[] headerBytes = Encoding.ASCII.GetBytes(header);
        stream.Write(Magic);
        stream.WriteByte((byte)version);
        stream.WriteByte(0);
        Span<byte> length = stackalloc byte[4];
        if (version == 1) { BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)headerBytes.Length); stream.Write(length[..2]); }
        else { BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)headerBytes.Length); stream.Write(length); }
        stream.Write(headerBytes);

        int itemSize = DataType switch { NpyDataType.Float32 or NpyDataType.Int32 => 4, NpyDataType.UnicodeString => 4 * stringLength, _ => 8 };
        long count = ElementCount;
        var buffer = new byte[itemSize * Math.Min(count, 4096)];
        for (long start = 0; start < count; start += 4096)
        {
            int n = (int)Math.Min(4096, count - start);
            Array.Clear(buffer);
            for (int i = 0; i < n; i++)
            {
                Span<byte> item = buffer.AsSpan(i * itemSize, itemSize);
                long k = start + i;
                switch (DataType)
                {
                    case NpyDataType.Float64: BinaryPrimitives.WriteDoubleLittleEndian(item, Numbers![k]); break;
                    case NpyDataType.Float32: BinaryPrimitives.WriteSingleLittleEndian(item, (float)Numbers![k]); break;
                    case NpyDataType.Int64: BinaryPrimitives.WriteInt64LittleEndian(item, checked((long)Numbers![k])); break;
                    case NpyDataType.Int32: BinaryPrimitives.WriteInt32LittleEndian(item, checked((int)Numbers![k])); break;
                    default:
                        string s = Strings![k];
                        int c = 0;
                        for (int p = 0; p < s.Length && c < stringLength; p += char.IsSurrogatePair(s, p) ? 2 : 1, c++)
                            BinaryPrimitives.WriteInt32LittleEndian(item.Slice(4 * c, 4), char.ConvertToUtf32(s, p));
                        break;
                }
            }
            stream.Write(buffer, 0, n * itemSize);
        }
    }

    /// <summary>Reads one .npy array; <paramref name="path"/> only names the file in errors.</summary>
    public static NpyArray Read(Stream stream, string path)
    {
        var reader = new BinaryReader(stream, Encoding.ASCII, leaveOpen: true);
        byte[] magic = ReadExactly(reader, 8, path, "magic");
        if (!magic.AsSpan(0, 6).SequenceEqual(Magic)) throw new NpyFormatException(path, "missing the \\x93NUMPY magic.");
        int version = magic[6];
        int headerLength = version switch
        {
            1 => BinaryPrimitives.ReadUInt16LittleEndian(ReadExactly(reader, 2, path, "header length")),
            2 or 3 => checked((int)BinaryPrimitives.ReadUInt32LittleEndian(ReadExactly(reader, 4, path, "header length"))),
            _ => throw new NpyFormatException(path, $"unsupported .npy version {version}."),
        };
        if (headerLength > 1 << 20) throw new NpyFormatException(path, "header too long.");
        string header = (version == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(ReadExactly(reader, headerLength, path, "header"));
        string descr = HeaderValue(header, "descr", path).Trim('\'', '"');
        string fortran = HeaderValue(header, "fortran_order", path);
        if (fortran != "False") throw new NpyFormatException(path, "Fortran-order arrays are not supported.");
        int[] shape = ParseShape(HeaderValue(header, "shape", path), path);
        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (count > int.MaxValue / 8) throw new NpyFormatException(path, "array too large.");

        if (descr.StartsWith("<U", StringComparison.Ordinal))
        {
            if (!int.TryParse(descr.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int chars) || chars < 0)
                throw new NpyFormatException(path, $"bad string dtype '{descr}'.");
            var strings = new string[count];
            var sb = new StringBuilder();
            for (long k = 0; k < count; k++)
            {
                byte[] item = ReadExactly(reader, 4 * chars, path, "string data");
                sb.Clear();
                for (int c = 0; c < chars; c++)
                {
                    int cp = BinaryPrimitives.ReadInt32LittleEndian(item.AsSpan(4 * c, 4));
                    if (cp == 0) break;
                    if (cp < 0 || cp > 0x10FFFF) throw new NpyFormatException(path, "invalid code point in string data.");
                    sb.Append(char.ConvertFromUtf32(cp));
                }
                strings[k] = sb.ToString();
            }
            return new NpyArray(NpyDataType.UnicodeString, shape, null, strings);
        }

        (NpyDataType type, int size) = descr switch
        {
            "<f8" => (NpyDataType.Float64, 8),
            "<f4" => (NpyDataType.Float32, 4),
            "<i8" => (NpyDataType.Int64, 8),
            "<i4" => (NpyDataType.Int32, 4),
            _ => throw new NpyFormatException(path, $"unsupported dtype '{descr}' (supported: <f8, <f4, <i8, <i4, <U)."),
        };
        byte[] data = ReadExactly(reader, checked((int)(count * size)), path, "array data");
        var numbers = new double[count];
        for (int k = 0; k < count; k++)
        {
            ReadOnlySpan<byte> item = data.AsSpan(k * size, size);
            numbers[k] = type switch
            {
                NpyDataType.Float64 => BinaryPrimitives.ReadDoubleLittleEndian(item),
                NpyDataType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(item),
                NpyDataType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(item),
                _ => BinaryPrimitives.ReadInt32LittleEndian(item),
            };
        }
        return new NpyArray(type, shape, numbers, null);
    }

    private static byte[] ReadExactly(BinaryReader reader, int count, string path, string what)
    {
        byte[] bytes = reader.ReadBytes(count);
        if (bytes.Length != count) throw new NpyFormatException(path, $"truncated {what}.");
        return bytes;
    }

    private static string HeaderValue(string header, string key, string path)
    {
        int k = header.IndexOf("'" + key + "'", StringComparison.Ordinal);
        if (k < 0) throw new NpyFormatException(path, $"header lacks '{key}'.");
        int colon = header.IndexOf(':', k);
        if (colon < 0) throw new NpyFormatException(path, "malformed header.");
        int start = colon + 1;
        while (start < header.Length && header[start] == ' ') start++;
        int end = start;
        if (start < header.Length && header[start] == '(')
            end = header.IndexOf(')', start) + 1;
        else
            while (end < header.Length && header[end] != ',' && header[end] != '}') end++;
        if (end <= start) throw new NpyFormatException(path, "malformed header.");
        return header[start..end].Trim();
    }

    private static int[] ParseShape(string text, string path)
    {
        if (!text.StartsWith('(') || !text.EndsWith(')')) throw new NpyFormatException(path, $"malformed shape '{text}'.");
        var dims = new List<int>();
        foreach (string part in text[1..^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string digits = part.TrimEnd('L');
            if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int d))
                throw new NpyFormatException(path, $"malformed shape '{text}'.");
            dims.Add(d);
        }
        return dims.ToArray();
    }
}
