using Microsoft.AspNetCore.WebUtilities;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// A request to one of the emulator's APIs, the same whether it came over HTTP or through the in-process backchannel.
/// </summary>
internal sealed class WeChatEmulatorRequest
{
    private static readonly Dictionary<string, string?> NoRouteValues = [];

    /// <summary>Gets the query string, with its leading '?' (the authorize page checks it as WeChat does, raw).</summary>
    public required string RawQuery { get; init; }

    /// <summary>Gets the body (a consent form, a JSON document).</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>Gets the values of the route's parameters, such as an avatar's openid.</summary>
    public IReadOnlyDictionary<string, string?> RouteValues { get; init; } = NoRouteValues;

    /// <summary>
    /// Gets where the browser reached the emulator (origin, path base and prefix), for a browser route; the scheme and
    /// authority of that origin are the only place codes are sent to, besides the redirect domains.
    /// </summary>
    public string? BaseUrl { get; init; }

    /// <summary>Gets the app's path base (empty for most apps), for a browser route.</summary>
    public string PathBase { get; init; } = "";

    /// <summary>Gets the body's media type as sent (<c>Content-Type</c>), if any.</summary>
    public string? ContentType { get; init; }

    /// <summary>Gets the scheme the browser used, for a browser route.</summary>
    public string? Scheme { get; init; }

    /// <summary>Gets the host and port the browser used, for a browser route.</summary>
    public string? Authority { get; init; }

    /// <summary>Gets the query parameters; a parameter given twice counts by its first value, as WeChat's servers do.</summary>
    public IReadOnlyDictionary<string, string> Query => field ??= QueryHelpers.ParseQuery(RawQuery).ToDictionary(p => p.Key, p => p.Value[0] ?? "", StringComparer.Ordinal);

    public string? this[string name] => Query.TryGetValue(name, out var value) ? value : null;

    /// <summary>The body as an HTML form's fields.</summary>
    public IReadOnlyDictionary<string, string> ReadForm()
        => QueryHelpers.ParseQuery(System.Text.Encoding.UTF8.GetString(Body.Span)).ToDictionary(p => p.Key, p => p.Value[0] ?? "", StringComparer.Ordinal);
}
