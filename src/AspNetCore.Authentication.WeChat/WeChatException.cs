namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// A failure of this package, from any flow: catch this type to handle them all in one place. <see cref="Kind"/> says
/// what happened in a form an app can map to its own words; the message is precise and written for developers, and
/// never contains a secret, a token, a code or the server's IP address.
/// </summary>
/// <remarks>
/// When WeChat answered with an <c>errcode</c>, <see cref="ErrorCode"/> and <see cref="ErrorMessage"/> carry it, as do
/// <see cref="Exception.Data"/>'s <c>errcode</c> and <c>errmsg</c> entries (as ASP.NET Core does for OAuth's
/// <c>error</c> and <c>error_description</c>). The <c>errmsg</c> is cleaned: one line, at most 256 characters, IP
/// addresses replaced by <c>[IP]</c>.
/// </remarks>
public class WeChatException : Exception
{
    /// <summary>Initializes a new <see cref="WeChatException"/>.</summary>
    public WeChatException()
    {
    }

    /// <summary>Initializes a new <see cref="WeChatException"/> with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public WeChatException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new <see cref="WeChatException"/> with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public WeChatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new <see cref="WeChatException"/> of a kind, possibly for a WeChat <c>errcode</c>.</summary>
    /// <param name="message">What went wrong, for developers.</param>
    /// <param name="kind">What kind of failure it is.</param>
    /// <param name="errorCode">WeChat's <c>errcode</c>, if WeChat sent one.</param>
    /// <param name="errorMessage">WeChat's <c>errmsg</c>, cleaned.</param>
    /// <param name="innerException">The cause.</param>
    public WeChatException(string message, WeChatFailureKind kind, int? errorCode = null, string? errorMessage = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        ErrorCode = errorCode;
        ErrorMessage = errorMessage;
        if (errorCode is { } code)
        {
            Data["errcode"] = code;
            Data["errmsg"] = errorMessage;
        }
    }

    /// <summary>Gets what kind of failure this is.</summary>
    public WeChatFailureKind Kind { get; }

    /// <summary>
    /// Gets WeChat's <c>errcode</c>, or <see langword="null"/> when the failure was not an error answer from WeChat
    /// (an expired state, a timeout, an HTTP error, …). <see cref="WeChatErrorCodes"/> names the common ones.
    /// </summary>
    public int? ErrorCode { get; }

    /// <summary>
    /// Gets WeChat's <c>errmsg</c> (cleaned), or <see langword="null"/> when the failure was not an error answer from WeChat.
    /// </summary>
    public string? ErrorMessage { get; }
}
