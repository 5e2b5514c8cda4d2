using Microsoft.Extensions.Logging;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// The handler's loggers, without the base OAuth handler's Debug line <c>HandleChallenge</c>, which writes the whole
/// Set-Cookie header: the correlation cookie's name is its secret (its value is the constant "N"), and with it and a
/// callback URL from an access log anyone could finish the sign-in. Everything else is passed on unchanged.
/// </summary>
internal sealed class ChallengeLogFilter(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Filtered(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
        // The app's factory is not the handler's to dispose.
    }

    private sealed class Filtered(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Name != "HandleChallenge")
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
