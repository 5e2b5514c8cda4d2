using System.Collections.Concurrent;

namespace LoadDriver;

/// <summary>The first few failures of a run, word for word, for the report.</summary>
internal sealed class LoadFailures
{
    private const int Kept = 10;
    private readonly ConcurrentQueue<string> _failures = new();

    public IReadOnlyCollection<string> First => _failures;

    public void Add(string failure)
    {
        if (_failures.Count < Kept)
        {
            _failures.Enqueue(failure);
        }
    }
}
