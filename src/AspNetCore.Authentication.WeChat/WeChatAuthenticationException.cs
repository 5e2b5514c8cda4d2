namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// A WeChat sign-in failed. The handler reports it as the remote failure (<c>OnRemoteFailure</c>); when a call to
/// WeChat failed, <see cref="Exception.InnerException"/> is the <see cref="WeChatApiException"/>, whose kind, errcode
/// and message this one repeats.
/// </summary>
public class WeChatAuthenticationException : WeChatException
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

    /// <summary>Initializes a new <see cref="WeChatAuthenticationException"/> of a kind.</summary>
    /// <param name="message">What went wrong, for developers.</param>
    /// <param name="kind">What kind of failure it is.</param>
    /// <param name="innerException">The cause.</param>
    public WeChatAuthenticationException(string message, WeChatFailureKind kind, Exception? innerException = null)
        : base(message, kind, innerException: innerException)
    {
    }

    /// <summary>Initializes a new <see cref="WeChatAuthenticationException"/> for a failed call to WeChat.</summary>
    /// <param name="failure">The failed call.</param>
    public WeChatAuthenticationException(WeChatApiException failure)
        : base((failure ?? throw new ArgumentNullException(nameof(failure))).Message, failure.Kind, failure.ErrorCode, failure.ErrorMessage, failure)
    {
    }
}
