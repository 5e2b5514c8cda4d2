namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// A call to one of WeChat's APIs failed: WeChat answered with an <c>errcode</c>, an HTTP error or something that is not
/// a WeChat answer, or it could not be reached in time.
/// </summary>
public class WeChatApiException : WeChatException
{
    /// <summary>Initializes a new <see cref="WeChatApiException"/>.</summary>
    public WeChatApiException()
    {
    }

    /// <summary>Initializes a new <see cref="WeChatApiException"/> with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public WeChatApiException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new <see cref="WeChatApiException"/> with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public WeChatApiException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new <see cref="WeChatApiException"/> for a call to an API.</summary>
    /// <param name="message">What went wrong, for developers.</param>
    /// <param name="api">Which API was called, for example <c>WeChat's token endpoint (https://api.weixin.qq.com/sns/oauth2/access_token)</c>.</param>
    /// <param name="kind">What kind of failure it is.</param>
    /// <param name="errorCode">WeChat's <c>errcode</c>, if WeChat sent one.</param>
    /// <param name="errorMessage">WeChat's <c>errmsg</c>, cleaned.</param>
    /// <param name="innerException">The cause.</param>
    public WeChatApiException(string message, string api, WeChatFailureKind kind, int? errorCode = null, string? errorMessage = null, Exception? innerException = null)
        : base(message, kind, errorCode, errorMessage, innerException)
    {
        Api = api;
    }

    /// <summary>Gets which API was called: its name and address, never its query (which carries secrets).</summary>
    public string? Api { get; }
}
