using MonoBiomech.Caching;
using MonoBiomech.Engine.Caching;

namespace MonoBiomech.Engine.Tests.Caching;

public sealed class SessionCacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mb-cache-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteFile(string name, string content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void StoredValueIsFoundUnderTheSameKeyOnly()
    {
        var cache = new SessionCache();
        string video = WriteFile("a.mp4", "frames");
        var key = new SessionCacheKey(VideoFileIdentity.Of(video), "PersonDetection", "threshold=0.5");
        var value = new List<int> { 1, 2, 3 };

        cache.Set(key, value, approximateSizeBytes: 12);

        Assert.True(cache.TryGet(key, out List<int>? hit));
        Assert.Same(value, hit);
        Assert.False(cache.TryGet(key with { SettingsKey = "threshold=0.6" }, out List<int>? _));
        Assert.False(cache.TryGet(key with { Stage = "Pose" }, out List<int>? _));
        Assert.False(cache.TryGet(key, out string? _)); // wrong value type is a miss, not a cast failure
    }

    [Fact]
    public void ChangingTheFileMakesTheOldEntryMissAndStoringTheNewOneDropsIt()
    {
        var cache = new SessionCache();
        string video = WriteFile("b.mp4", "frames");
        var before = new SessionCacheKey(VideoFileIdentity.Of(video), "PersonDetection", "s");
        cache.Set(before, "old", 3);

        File.WriteAllText(video, "longer frames");
        File.SetLastWriteTimeUtc(video, DateTime.UtcNow.AddMinutes(1));
        var after = new SessionCacheKey(VideoFileIdentity.Of(video), "PersonDetection", "s");

        Assert.NotEqual(before, after);
        Assert.False(cache.TryGet(after, out string? _));
        cache.Set(after, "new", 3);
        Assert.Equal(1, cache.Count);
        Assert.True(cache.TryGet(after, out string? now));
        Assert.Equal("new", now);
    }

    [Fact]
    public void OtherStagesOfAFileSurviveWhenOneStageIsReplaced()
    {
        var cache = new SessionCache();
        string video = WriteFile("c.mp4", "x");
        var identity = VideoFileIdentity.Of(video);
        cache.Set(new SessionCacheKey(identity, "PersonDetection", "s"), "boxes", 1);
        cache.Set(new SessionCacheKey(identity, "Pose", "s"), "poses", 1);
        cache.Set(new SessionCacheKey(identity, "PersonDetection", "s"), "boxes again", 1);

        Assert.Equal(2, cache.Count);
        Assert.Equal(new[] { "PersonDetection", "Pose" }, cache.Entries().Select(e => e.Stage).Order());
    }

    [Fact]
    public void EntriesCarryKeyPartsSizeAndCreationTime()
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 11, 24, 15, 0, 0, TimeSpan.Zero));
        var cache = new SessionCache(clock);
        string video = WriteFile("d.mp4", "12345");
        cache.Set(new SessionCacheKey(VideoFileIdentity.Of(video), "PersonDetection", "k"), "v", 640);

        var entry = Assert.Single(cache.Entries());
        Assert.Equal(Path.GetFullPath(video), entry.VideoPath);
        Assert.Equal(5, entry.Key.Video.LengthBytes);
        Assert.Equal("PersonDetection", entry.Stage);
        Assert.Equal("k", entry.SettingsKey);
        Assert.Equal(640, entry.ApproximateSizeBytes);
        Assert.Equal(clock.Now, entry.CreatedUtc);
    }

    [Fact]
    public void RemoveAndClearReportWhatTheyRemoved()
    {
        var cache = new SessionCache();
        var identity = VideoFileIdentity.Of(WriteFile("e.mp4", "x"));
        var first = cache.Set(new SessionCacheKey(identity, "A", ""), "1", 1);
        cache.Set(new SessionCacheKey(identity, "B", ""), "2", 1);

        Assert.True(cache.Remove(first));
        Assert.False(cache.Remove(first));
        Assert.Equal(1, cache.Clear());
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void MissingFileHasNoIdentity()
    {
        string missing = Path.Combine(_dir, "missing.mp4");
        var ex = Assert.Throws<FileNotFoundException>(() => VideoFileIdentity.Of(missing));
        Assert.Equal(missing, ex.FileName);
    }

    [Fact]
    public void ConcurrentWritersAndReadersDoNotLoseEntries()
    {
        var cache = new SessionCache();
        var identities = Enumerable.Range(0, 8).Select(i => VideoFileIdentity.Of(WriteFile($"p{i}.mp4", new string('x', i + 1)))).ToArray();

        Parallel.For(0, 4000, i =>
        {
            var key = new SessionCacheKey(identities[i % identities.Length], "Stage" + (i % 5), "s");
            cache.Set(key, i.ToString(), 1);
            Assert.True(cache.TryGet(key, out string? _));
            _ = cache.Entries();
        });

        Assert.Equal(identities.Length * 5, cache.Count);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }
}
