namespace AspNetCore.Authentication.WeChat.Api;

/// <summary>
/// One of WeChat's APIs as the package calls it: a name and an address, from which every message about a call is built.
/// </summary>
/// <param name="name">How messages name it, for example <c>WeChat's token endpoint</c>.</param>
/// <param name="url">Its address, without a query, or with a fixed one that carries no secret.</param>
/// <param name="errorCodes">
/// What an errcode means at this API when it differs from what it usually means (40001 on a token endpoint is a wrong
/// AppSecret, not a stale token).
/// </param>
internal sealed class WeChatApiEndpoint(string name, string url, Func<int, (WeChatFailureKind Kind, string Meaning)?>? errorCodes = null)
{
    public string Name { get; } = name;

    public string Url { get; } = url;

    /// <summary>How messages and logs name the API: its name and its address, never a query.</summary>
    public string Display { get; } = $"{name} ({url.Split('?', 2)[0]})";

    /// <summary>A failure of a call to this API: "{name} ({address}) {problem}.".</summary>
    public WeChatApiException Failure(WeChatFailureKind kind, string problem, Exception? innerException = null)
        => new($"{Display} {problem}.", Display, kind, innerException: innerException);

    /// <summary>What kind of failure an errcode is at this API.</summary>
    public WeChatFailureKind KindOf(int errorCode) => errorCodes?.Invoke(errorCode)?.Kind ?? WeChatErrorCodes.KindOf(errorCode);

    /// <summary>What an errcode means at this API.</summary>
    public string Describe(int errorCode) => errorCodes?.Invoke(errorCode)?.Meaning ?? WeChatErrorCodes.Describe(errorCode);

    public override string ToString() => Display;
}
