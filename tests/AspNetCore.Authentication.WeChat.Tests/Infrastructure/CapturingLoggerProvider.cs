using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Authentication.WeChat.Tests.Infrastructure;

/// <summary>Keeps every log entry, at every level, with its exception and structured values.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void Dispose()
    {
    }

    /// <summary>Everything logged, as one text: messages, values and exceptions.</summary>
    public string AllText => string.Join('\n', Entries.Select(e => e.ToString()));

    public sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, string? State, string? Exception)
    {
        public override string ToString() => $"{Level} {Category}[{EventId.Id}:{EventId.Name}] {Message} {State} {Exception}";
    }

    private sealed class CapturingLogger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}")) : null;
            provider.Entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception), values, exception?.ToString()));
        }
    }
}
