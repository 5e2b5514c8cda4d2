namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// A WeChat sign-in failed. The message says what happened in words a user can act on and never
/// contains the AppSecret, a token or an authorization code.
/// </summary>
/// <remarks>
/// The handler reports this exception as the remote failure (<c>OnRemoteFailure</c>). When WeChat
/// answered with an <c>errcode</c>, <see cref="ErrorCode"/> and <see cref="ErrorMessage"/> carry it,
/// as do <see cref="Exception.Data"/>'s <c>errcode</c> and <c>errmsg</c> entries.
/// </remarks>
public class WeChatAuthenticationException : Exception
{
    /// <summary>Initializes a new <see cref="WeChatAuthenticationException"/>.</summary>
    public WeChatAuthenticationException()
    {
    }

    /// <summary>Initializes a new <see cref="WeChatAuthenticationException"/> with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public WeChatAuthenticationException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new <see cref="WeChatAuthenticationException"/> with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public WeChatAuthenticationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new <see cref="WeChatAuthenticationException"/> for a WeChat <c>errcode</c>.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="errorCode">WeChat's <c>errcode</c>.</param>
    /// <param name="errorMessage">WeChat's <c>errmsg</c>.</param>
    public WeChatAuthenticationException(string message, int errorCode, string? errorMessage)
        : base(message)
    {
        ErrorCode = errorCode;
        ErrorMessage = errorMessage;
        Data["errcode"] = errorCode;
        Data["errmsg"] = errorMessage;
    }

    /// <summary>
    /// Gets WeChat's <c>errcode</c>, or <see langword="null"/> when the failure was not an error answer from WeChat
    /// (an expired state, a timeout, an HTTP error, …).
    /// </summary>
    public int? ErrorCode { get; }

    /// <summary>
    /// Gets WeChat's <c>errmsg</c>, or <see langword="null"/> when the failure was not an error answer from WeChat.
    /// </summary>
    public string? ErrorMessage { get; }
}
