using System.Globalization;

namespace MonoBiomech.Bench;

/// <summary>A benchmark's argument that does not parse; Program prints it with the usage line.</summary>
internal sealed class BenchUsageException(string message) : Exception(message);

/// <summary>
/// The benchmarks' arguments: bare positive integers (frame counts and the like, in order), words (flags such as
/// `own`), `name=value` options and file paths, in any order.
/// </summary>
internal static class BenchArguments
{
    /// <summary>The arguments that are positive integers, in order.</summary>
    public static int[] PositiveIntegers(string[] args) =>
        args.Select(a => int.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : 0).Where(v => v > 0).ToArray();

    /// <summary>The first positive integer argument, or <paramref name="fallback"/>.</summary>
    public static int FirstPositiveInteger(string[] args, int fallback) => PositiveIntegers(args).DefaultIfEmpty(fallback).First();

    /// <summary>The value of the last `name=value` argument, or null.</summary>
    public static string? Option(string[] args, string name) =>
        args.Where(a => a.StartsWith(name + "=", StringComparison.Ordinal)).Select(a => a[(name.Length + 1)..]).LastOrDefault();

    /// <exception cref="BenchUsageException">The value is not an integer.</exception>
    public static int IntegerOption(string[] args, string name, int fallback) => Option(args, name) is not { } text ? fallback
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value
        : throw new BenchUsageException($"{name}={text}: {name} takes a whole number.");

    /// <exception cref="BenchUsageException">The value is not a number.</exception>
    public static double? NumberOption(string[] args, string name) => Option(args, name) is not { } text ? null
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value
        : throw new BenchUsageException($"{name}={text}: {name} takes a number.");
}
