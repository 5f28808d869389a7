using System.IO.Compression;
using System.Text;
using MonoBiomech.Engine.Formats;

namespace MonoBiomech.Engine.Tests.Formats;

public sealed class NpyTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("npy-tests").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData(NpyDataType.Float64)]
    [InlineData(NpyDataType.Float32)]
    [InlineData(NpyDataType.Int64)]
    [InlineData(NpyDataType.Int32)]
    public void NumbersRoundTripThroughAnArchive(NpyDataType type)
    {
        double[] values = { 1, -2, 3.5, 1e6, 0, -7 };
        string path = Path.Combine(folder, "a.npz");
        if (type is NpyDataType.Int32 or NpyDataType.Int64) values[2] = 3;
        NpzArchive.Write(path, new Dictionary<string, NpyArray> { ["x"] = NpyArray.FromNumbers(values, new[] { 2, 3 }, type) });
        NpyArray read = NpzArchive.Read(path)["x"];
        Assert.Equal(type, read.DataType);
        Assert.Equal(new[] { 2, 3 }, read.Shape);
        Assert.Equal(values, read.Numbers);
        Assert.Empty(Directory.GetFiles(folder, "*.partial-*"));
    }

    [Fact]
    public void StringsRoundTripAsNumpyUnicode()
    {
        string path = Path.Combine(folder, "s.npz");
        string[] names = { "pelvis_tx", "knee_angle_r", "", "ü€" };
        NpzArchive.Write(path, new Dictionary<string, NpyArray> { ["names"] = NpyArray.FromStrings(names) });
        NpyArray read = NpzArchive.Read(path)["names"];
        Assert.Equal(NpyDataType.UnicodeString, read.DataType);
        Assert.Equal(names, read.Strings);
    }

    [Fact]
    public void WriterEmitsNumpysHeaderLayout()
    {
        using var stream = new MemoryStream();
        NpyArray.FromNumbers(new double[] { 1, 2, 3 }, new[] { 3 }).Write(stream);
        byte[] bytes = stream.ToArray();
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, bytes[..8]);
        int headerLength = bytes[8] | bytes[9] << 8;
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.StartsWith("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", header);
        Assert.EndsWith("\n", header);
        Assert.Equal(0, (10 + headerLength) % 64);
        Assert.Equal(10 + headerLength + 24, bytes.Length);
        Assert.Equal(2.0, BitConverter.ToDouble(bytes, 10 + headerLength + 8));
    }

    [Fact]
    public void ReadsAHandWrittenNumpyFileWithVersion2Header()
    {
        string dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }";
        string header = dict + new string(' ', 128 - 12 - dict.Length - 1) + "\n";
        using var stream = new MemoryStream();
        stream.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0 });
        stream.Write(BitConverter.GetBytes(header.Length));
        stream.Write(Encoding.ASCII.GetBytes(header));
        stream.Write(BitConverter.GetBytes(7));
        stream.Write(BitConverter.GetBytes(-9));
        stream.Position = 0;
        NpyArray array = NpyArray.Read(stream, "mem");
        Assert.Equal(new double[] { 7, -9 }, array.Numbers);
    }

    [Fact]
    public void CorruptFilesRaiseAFormatErrorNamingTheFile()
    {
        string notZip = Path.Combine(folder, "notzip.npz");
        File.WriteAllText(notZip, "hello");
        var e1 = Assert.Throws<NpyFormatException>(() => NpzArchive.Read(notZip));
        Assert.Contains("notzip.npz", e1.Message);

        string badMember = Path.Combine(folder, "badmember.npz");
        using (var zip = ZipFile.Open(badMember, ZipArchiveMode.Create))
        using (var writer = new StreamWriter(zip.CreateEntry("x.npy").Open()))
            writer.Write("not numpy");
        var e2 = Assert.Throws<NpyFormatException>(() => NpzArchive.Read(badMember));
        Assert.Contains("badmember.npz", e2.Message);
        Assert.Contains("magic", e2.Message);

        string truncated = Path.Combine(folder, "truncated.npz");
        using (var zip = ZipFile.Open(truncated, ZipArchiveMode.Create))
        using (Stream member = zip.CreateEntry("x.npy").Open())
        {
            using var full = new MemoryStream();
            NpyArray.FromNumbers(new double[] { 1, 2, 3, 4 }, new[] { 4 }).Write(full);
            member.Write(full.ToArray(), 0, (int)full.Length - 5);
        }
        var e3 = Assert.Throws<NpyFormatException>(() => NpzArchive.Read(truncated));
        Assert.Contains("truncated", e3.Message);

        string unsupported = Path.Combine(folder, "complex.npz");
        using (var zip = ZipFile.Open(unsupported, ZipArchiveMode.Create))
        using (Stream member = zip.CreateEntry("x.npy").Open())
        {
            string dict = "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }";
            string header = dict + new string(' ', 128 - 10 - dict.Length - 1) + "\n";
            member.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0 });
            member.Write(Encoding.ASCII.GetBytes(header));
            member.Write(new byte[16]);
        }
        var e4 = Assert.Throws<NpyFormatException>(() => NpzArchive.Read(unsupported));
        Assert.Contains("<c16", e4.Message);
    }
}
