namespace AspNetCore.Authentication.WeChat.Api;

/// <summary>
/// One of WeChat's APIs as the package calls it: a name and an address, from which every message about a call is built.
/// </summary>
/// <param name="name">How messages name it, for example <c>WeChat's token endpoint</c>.</param>
/// <param name="url">Its address, without a query, or with a fixed one that carries no secret.</param>
internal sealed class WeChatApiEndpoint(string name, string url)
{
    public string Name { get; } = name;

    public string Url { get; } = url;

    /// <summary>How messages and logs name the API: its name and its address, never a query.</summary>
    public string Display { get; } = $"{name} ({url.Split('?', 2)[0]})";

    /// <summary>A failure of a call to this API: "{name} ({address}) {problem}.".</summary>
    public WeChatApiException Failure(WeChatFailureKind kind, string problem, Exception? innerException = null)
        => new($"{Display} {problem}.", Display, kind, innerException: innerException);

    public override string ToString() => Display;
}
