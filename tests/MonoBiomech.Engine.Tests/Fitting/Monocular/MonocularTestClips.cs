using System.Collections.Concurrent;
using MonoBiomech.Engine.Tests.BodyModels;

namespace MonoBiomech.Engine.Tests.Fitting.Monocular;

/// <summary>The bench clips of the test run, generated once per model and motion (MuJoCo runs take a few seconds).</summary>
internal static class MonocularTestClips
{
    private static readonly ConcurrentDictionary<(string Model, MonocularMotion Motion), Lazy<MonocularMotionClip>> Clips = new();

    /// <summary>The clip of a motion on the named fitting model (<see cref="FitTestData.Own"/> or <see cref="FitTestData.Upstream"/>).</summary>
    public static MonocularMotionClip Get(string model, MonocularMotion motion) =>
        Clips.GetOrAdd((model, motion), key => new Lazy<MonocularMotionClip>(() =>
        {
            using var oracle = new MujocoOracle();
            return MonocularMotionClip.Generate(oracle, FitTestData.Load(key.Model).SourcePath, key.Motion, MonocularBench.ClipSeed(key.Motion));
        })).Value;
}
