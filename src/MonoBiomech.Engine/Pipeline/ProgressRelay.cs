namespace MonoBiomech.Engine.Pipeline;

/// <summary>
/// Passes a stage's reports on, translated, at once and on the reporting thread (Progress&lt;T&gt; would post them to
/// the thread pool, out of order).
/// </summary>
internal sealed class ProgressRelay<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
