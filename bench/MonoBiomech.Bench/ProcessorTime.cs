using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MonoBiomech.Bench;

/// <summary>
/// Processor time of this process and of its children that have ended (the video reader's ffmpeg decodes in a child
/// process, which <see cref="Process.TotalProcessorTime"/> does not count). Take readings after the readers are disposed.
/// </summary>
internal static class ProcessorTime
{
    public static TimeSpan Used() => Process.GetCurrentProcess().TotalProcessorTime + EndedChildren();

    private static TimeSpan EndedChildren()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return TimeSpan.Zero;
        var usage = new ResourceUsage();
        if (getrusage(ChildrenWho, ref usage) != 0) return TimeSpan.Zero;
        long microseconds = (usage.UserSeconds + usage.SystemSeconds) * 1_000_000 + usage.UserMicroseconds + usage.SystemMicroseconds;
        return TimeSpan.FromTicks(microseconds * 10);
    }

    private const int ChildrenWho = -1; // RUSAGE_CHILDREN

    // struct rusage on 64-bit Unix: two struct timevals, then 14 longs.
    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceUsage
    {
        public long UserSeconds, UserMicroseconds, SystemSeconds, SystemMicroseconds;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NVcsw, NIvcsw;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, ref ResourceUsage usage);
}
