using System.Buffers.Binary;
using System.Text;

namespace MonoBiomech.Engine.Pose.Metrabs;

/// <summary>A numpy array rebuilt from its pickled state: C order, <see cref="Values"/> is int[], long[], float[] or double[].</summary>
internal sealed class PickledNumpyArray
{
    public int[] Shape { get; private set; } = [];
    public Array? Values { get; private set; }

    internal void SetState(int[] shape, Array values) => (Shape, Values) = (shape, values);
}

/// <summary>
/// Reads the subset of the pickle format (protocols 2-5) that a dict of ints, floats, strings, bytes, lists, tuples and
/// numeric numpy arrays is written with, and nothing more. Nothing in the file is ever called: the only globals it
/// accepts are numpy's array and dtype reconstructors, which it recognises by name and rebuilds itself.
/// </summary>
/// <remarks>
/// Why not Razorvine.Pickle: its unpickler turns any unknown global into a placeholder instead of refusing it, keeps its
/// own allow-list of globals (datetime, set, bytearray, _codecs.encode...) in a process-wide static table that can only
/// be added to, and its stream reader sizes its buffer from a length field before reading, so a 40 KB file claiming
/// 2 GB allocates 2 GB. Guarding all that from outside would mean parsing the opcodes first anyway; this reader is that
/// parse. Every length is checked against the bytes left, and the stack and mark depth are bounded.
/// </remarks>
internal sealed class RestrictedPickleReader
{
    // pickle writes lists and dicts in batches of 1000 items, so a real stack stays far below this; a pile of nested
    // containers opened and never closed does not
    internal const int MaxStackItems = 10_000;
    internal const int MaxOpenMarks = 64;
    private const int MaxGlobalNameBytes = 256;

    private enum NumpyGlobal { Reconstruct, NdArray, DType }

    private sealed class NumpyDType(string typeCode)
    {
        public string TypeCode { get; } = typeCode;
        public char ByteOrder { get; set; } = '=';
    }

    private static readonly Dictionary<string, NumpyGlobal> AllowedGlobals = new(StringComparer.Ordinal)
    {
        ["numpy._core.multiarray._reconstruct"] = NumpyGlobal.Reconstruct,
        ["numpy.core.multiarray._reconstruct"] = NumpyGlobal.Reconstruct,
        ["numpy.ndarray"] = NumpyGlobal.NdArray,
        ["numpy.dtype"] = NumpyGlobal.DType,
    };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[] _data;
    private int _position;
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];

    private RestrictedPickleReader(byte[] data) => _data = data;

    /// <summary>The object the pickle describes.</summary>
    /// <exception cref="InvalidDataException">Anything outside the subset, malformed or truncated.</exception>
    public static object? Load(byte[] pickle) => new RestrictedPickleReader(pickle).Run();

    private object? Run()
    {
        while (true)
        {
            int opcodeOffset = _position;
            byte opcode = ReadByte();
            if (opcode == (byte)'.')
            {
                if (_stack.Count != 1 || _marks.Count != 0)
                    throw new InvalidDataException($"the pickle stops at offset {opcodeOffset} with {_stack.Count} values and {_marks.Count} open marks instead of one value");
                return _stack[0];
            }
            Execute(opcode, opcodeOffset);
            if (_stack.Count > MaxStackItems)
                throw new InvalidDataException($"more than {MaxStackItems:N0} values pending at offset {opcodeOffset}: nested too deep for metadata");
        }
    }

    private void Execute(byte opcode, int offset)
    {
        switch (opcode)
        {
            case 0x80: ReadProtocol(); break;                                    // PROTO
            case 0x95: SkipFrameHeader(); break;                                 // FRAME
            case (byte)'(': OpenMark(offset); break;                             // MARK
            case (byte)'}': Push(new Dictionary<object, object?>()); break;      // EMPTY_DICT
            case (byte)']': Push(new List<object?>()); break;                    // EMPTY_LIST
            case (byte)')': Push(Array.Empty<object?>()); break;                 // EMPTY_TUPLE
            case (byte)'N': Push(null); break;                                   // NONE
            case 0x88: Push(true); break;                                        // NEWTRUE
            case 0x89: Push(false); break;                                       // NEWFALSE
            case (byte)'K': Push((long)ReadByte()); break;                       // BININT1
            case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2))); break; // BININT2
            case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))); break;  // BININT
            case 0x8a: Push(ReadLong1()); break;                                 // LONG1
            case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8))); break;          // BINFLOAT
            case 0x8c: Push(DecodeUtf8(ReadBytes(ReadByte()))); break;           // SHORT_BINUNICODE
            case (byte)'X': Push(DecodeUtf8(ReadBytes(ReadLength4()))); break;   // BINUNICODE
            case (byte)'C': Push(ReadBytes(ReadByte()).ToArray()); break;        // SHORT_BINBYTES
            case (byte)'B': Push(ReadBytes(ReadLength4()).ToArray()); break;     // BINBYTES
            case 0x94: _memo[_memo.Count] = Peek(offset); break;                 // MEMOIZE
            case (byte)'q': _memo[ReadByte()] = Peek(offset); break;             // BINPUT
            case (byte)'r': _memo[ReadMemoKey4()] = Peek(offset); break;         // LONG_BINPUT
            case (byte)'h': Push(Recall(ReadByte(), offset)); break;             // BINGET
            case (byte)'j': Push(Recall(ReadMemoKey4(), offset)); break;         // LONG_BINGET
            case (byte)'0': Pop(offset); break;                                  // POP
            case (byte)'a': Append(offset); break;                               // APPEND
            case (byte)'e': Appends(offset); break;                              // APPENDS
            case (byte)'s': SetItem(offset); break;                              // SETITEM
            case (byte)'u': SetItems(offset); break;                             // SETITEMS
            case (byte)'t': Push(PopToMark(offset).ToArray()); break;            // TUPLE
            case 0x85: PushTuple(1, offset); break;                              // TUPLE1
            case 0x86: PushTuple(2, offset); break;                              // TUPLE2
            case 0x87: PushTuple(3, offset); break;                              // TUPLE3
            case (byte)'c': Push(ResolveGlobal(ReadGlobalLine(), ReadGlobalLine(), offset)); break; // GLOBAL
            case 0x93: StackGlobal(offset); break;                               // STACK_GLOBAL
            case (byte)'R': Reduce(offset); break;                               // REDUCE
            case (byte)'b': Build(offset); break;                                // BUILD
            default:
                throw new InvalidDataException($"unsupported pickle opcode 0x{opcode:x2} at offset {offset}");
        }
    }

    private void ReadProtocol()
    {
        byte protocol = ReadByte();
        if (protocol is < 2 or > 5) throw new InvalidDataException($"pickle protocol {protocol} is not supported (2 to 5 are)");
    }

    private void SkipFrameHeader()
    {
        // a frame only announces how many bytes follow; the bytes themselves are read as opcodes
        long frameLength = BinaryPrimitives.ReadInt64LittleEndian(ReadBytes(8));
        if (frameLength < 0 || frameLength > _data.Length - _position)
            throw new InvalidDataException($"a frame of {frameLength:N0} bytes at offset {_position - 9} runs past the end of the file");
    }

    private void OpenMark(int offset)
    {
        if (_marks.Count >= MaxOpenMarks)
            throw new InvalidDataException($"more than {MaxOpenMarks} marks open at offset {offset}: nested too deep for metadata");
        _marks.Push(_stack.Count);
    }

    private long ReadLong1()
    {
        int length = ReadByte();
        if (length > 8) throw new InvalidDataException($"an integer of {length} bytes at offset {_position - 2} is too large");
        ReadOnlySpan<byte> bytes = ReadBytes(length);
        long value = length > 0 && (sbyte)bytes[^1] < 0 ? -1 : 0;   // two's complement: sign-extend from the top byte
        for (int i = length - 1; i >= 0; i--) value = (value << 8) | bytes[i];
        return value;
    }

    private int ReadLength4()
    {
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4));
        if (length > (uint)(_data.Length - _position))
            throw new InvalidDataException($"a length of {length:N0} bytes at offset {_position - 4} runs past the end of the file ({_data.Length - _position:N0} bytes left)");
        return (int)length;
    }

    private long ReadMemoKey4() => BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4));

    private byte ReadByte()
    {
        if (_position >= _data.Length) throw Truncated();
        return _data[_position++];
    }

    private ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count > _data.Length - _position) throw Truncated();
        var bytes = new ReadOnlySpan<byte>(_data, _position, count);
        _position += count;
        return bytes;
    }

    private InvalidDataException Truncated() =>
        new($"the pickle is truncated: it ends at byte {_data.Length:N0} in the middle of an opcode, before its STOP");

    private static string DecodeUtf8(ReadOnlySpan<byte> bytes)
    {
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException e) { throw new InvalidDataException("a string is not valid UTF-8", e); }
    }

    private string ReadGlobalLine()
    {
        int searchLength = Math.Min(MaxGlobalNameBytes, _data.Length - _position);
        int newline = Array.IndexOf(_data, (byte)'\n', _position, searchLength);
        if (newline < 0) throw new InvalidDataException($"a GLOBAL name at offset {_position} has no end of line within {MaxGlobalNameBytes} bytes");
        string line = DecodeUtf8(new ReadOnlySpan<byte>(_data, _position, newline - _position));
        _position = newline + 1;
        return line;
    }

    private void Push(object? value) => _stack.Add(value);

    private object? Peek(int offset) =>
        _stack.Count > CurrentMarkFloor() ? _stack[^1] : throw StackUnderflow(offset);

    private object? Pop(int offset)
    {
        if (_stack.Count <= CurrentMarkFloor()) throw StackUnderflow(offset);
        object? value = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private int CurrentMarkFloor() => _marks.Count > 0 ? _marks.Peek() : 0;

    private static InvalidDataException StackUnderflow(int offset) =>
        new($"the opcode at offset {offset} needs a value that is not there");

    private List<object?> PopToMark(int offset)
    {
        if (_marks.Count == 0) throw new InvalidDataException($"the opcode at offset {offset} needs a mark that was never set");
        int start = _marks.Pop();
        List<object?> items = _stack.GetRange(start, _stack.Count - start);
        _stack.RemoveRange(start, _stack.Count - start);
        return items;
    }

    private object? Recall(long key, int offset) =>
        _memo.TryGetValue(key, out object? value) ? value : throw new InvalidDataException($"the opcode at offset {offset} recalls memo entry {key}, which was never stored");

    private void PushTuple(int length, int offset)
    {
        var tuple = new object?[length];
        for (int i = length - 1; i >= 0; i--) tuple[i] = Pop(offset);
        Push(tuple);
    }

    private T PeekAs<T>(int offset, string opcodeName) where T : class =>
        Peek(offset) as T ?? throw new InvalidDataException($"{opcodeName} at offset {offset} applies to a {PickleValues.Describe(Peek(offset))}");

    private void Append(int offset)
    {
        object? item = Pop(offset);
        PeekAs<List<object?>>(offset, "APPEND").Add(item);
    }

    private void Appends(int offset)
    {
        List<object?> items = PopToMark(offset);
        PeekAs<List<object?>>(offset, "APPENDS").AddRange(items);
    }

    private void SetItem(int offset)
    {
        object? value = Pop(offset);
        object? key = Pop(offset);
        PeekAs<Dictionary<object, object?>>(offset, "SETITEM")[DictionaryKey(key, offset)] = value;
    }

    private void SetItems(int offset)
    {
        List<object?> items = PopToMark(offset);
        if (items.Count % 2 != 0) throw new InvalidDataException($"SETITEMS at offset {offset} has a key without a value");
        var dictionary = PeekAs<Dictionary<object, object?>>(offset, "SETITEMS");
        for (int i = 0; i < items.Count; i += 2) dictionary[DictionaryKey(items[i], offset)] = items[i + 1];
    }

    private static object DictionaryKey(object? key, int offset) => key switch
    {
        string or long => key,
        _ => throw new InvalidDataException($"a dict key at offset {offset} is a {PickleValues.Describe(key)}; only strings and integers are read"),
    };

    private void StackGlobal(int offset)
    {
        object? name = Pop(offset);
        object? module = Pop(offset);
        if (module is not string moduleName || name is not string globalName)
            throw new InvalidDataException($"STACK_GLOBAL at offset {offset} names a global with a {PickleValues.Describe(module)} and a {PickleValues.Describe(name)}");
        Push(ResolveGlobal(moduleName, globalName, offset));
    }

    private static NumpyGlobal ResolveGlobal(string module, string name, int offset) =>
        AllowedGlobals.TryGetValue(module + "." + name, out NumpyGlobal global)
            ? global
            : throw new InvalidDataException($"the pickle asks for the global '{module}.{name}' at offset {offset}; only numpy's array and dtype reconstructors are allowed, nothing is executed");

    private void Reduce(int offset)
    {
        object? arguments = Pop(offset);
        object? callable = Pop(offset);
        if (arguments is not object?[] tuple)
            throw new InvalidDataException($"REDUCE at offset {offset} has a {PickleValues.Describe(arguments)} for arguments");
        Push(callable switch
        {
            // _reconstruct(ndarray, (0,), b'b') makes the empty array that BUILD then fills
            NumpyGlobal.Reconstruct when tuple is [NumpyGlobal.NdArray, _, _] => new PickledNumpyArray(),
            NumpyGlobal.DType when tuple is [string typeCode, bool, bool] => new NumpyDType(typeCode),
            _ => throw new InvalidDataException($"REDUCE at offset {offset} calls a {PickleValues.Describe(callable)} with arguments it is never pickled with"),
        });
    }

    private void Build(int offset)
    {
        object? state = Pop(offset);
        switch (Peek(offset))
        {
            // dtype state: (version, byte order, subarray, names, fields, element size, alignment, flags)
            case NumpyDType dtype when state is object?[] { Length: 8 } dtypeState && dtypeState[1] is string { Length: 1 } byteOrder:
                dtype.ByteOrder = byteOrder[0];
                break;
            // ndarray state: (version, shape, dtype, Fortran order, raw data)
            case PickledNumpyArray array when state is object?[] { Length: 5 } arrayState:
                FillArray(array, arrayState, offset);
                break;
            default:
                throw new InvalidDataException($"BUILD at offset {offset} sets a {PickleValues.Describe(state)} on a {PickleValues.Describe(Peek(offset))}");
        }
    }

    private static void FillArray(PickledNumpyArray array, object?[] state, int offset)
    {
        if (state[1] is not object?[] shapeItems || state[2] is not NumpyDType dtype || state[3] is not bool fortranOrder || state[4] is not byte[] raw)
            throw new InvalidDataException($"the numpy array at offset {offset} has a state that is not (version, shape, dtype, order, bytes)");
        // a second BUILD through the memo would decode the same bytes again, as often as the file repeats three opcodes
        if (array.Values is not null) throw new InvalidDataException($"the numpy array at offset {offset} is filled a second time");
        if (fortranOrder) throw new InvalidDataException($"the numpy array at offset {offset} is in Fortran order; only C order is read");
        if (dtype.ByteOrder == '>') throw new InvalidDataException($"the numpy array at offset {offset} is big-endian; only little-endian is read");

        var shape = new int[shapeItems.Length];
        long elementCount = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shapeItems[i] is not long extent || extent is < 0 or > int.MaxValue)
                throw new InvalidDataException($"the numpy array at offset {offset} has an impossible shape");
            shape[i] = (int)extent;
            elementCount *= extent;
            // kept within the bytes present (at most 64 MB) before each product, so the product cannot overflow
            if (elementCount > raw.Length) throw new InvalidDataException($"the numpy array at offset {offset} claims more elements than its {raw.Length:N0} bytes hold");
        }

        int elementSize = dtype.TypeCode switch { "i4" or "f4" => 4, "i8" or "f8" => 8,
            _ => throw new InvalidDataException($"the numpy array at offset {offset} has dtype '{dtype.TypeCode}'; int32, int64, float32 and float64 are read") };
        if (elementCount * elementSize != raw.Length)
            throw new InvalidDataException($"the numpy array at offset {offset} has {raw.Length:N0} bytes for {elementCount:N0} elements of {elementSize} bytes");

        int count = (int)elementCount;
        Array values = dtype.TypeCode switch
        {
            "i4" => Decode(raw, count, 4, s => BinaryPrimitives.ReadInt32LittleEndian(s)),
            "i8" => Decode(raw, count, 8, s => BinaryPrimitives.ReadInt64LittleEndian(s)),
            "f4" => Decode(raw, count, 4, s => BinaryPrimitives.ReadSingleLittleEndian(s)),
            _ => Decode(raw, count, 8, s => BinaryPrimitives.ReadDoubleLittleEndian(s)),
        };
        array.SetState(shape, values);
    }

    private delegate T ElementDecoder<out T>(ReadOnlySpan<byte> bytes);

    private static T[] Decode<T>(byte[] raw, int count, int elementSize, ElementDecoder<T> decode)
    {
        var values = new T[count];
        for (int i = 0; i < count; i++) values[i] = decode(raw.AsSpan(i * elementSize, elementSize));
        return values;
    }
}

/// <summary>Names of the values <see cref="RestrictedPickleReader"/> produces, for messages; never looks inside them.</summary>
internal static class PickleValues
{
    public static string Describe(object? value) => value switch
    {
        null => "None",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        byte[] => "bytes",
        object?[] => "tuple",
        List<object?> => "list",
        Dictionary<object, object?> => "dict",
        PickledNumpyArray => "numpy array",
        _ => value.GetType().Name,
    };
}
