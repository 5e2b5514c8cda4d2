using AspNetCore.Authentication.WeChat.Internal;

namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// Options of a WeChat mini-program's sign-in and server APIs (<c>AddWeChatMiniProgram</c>), usually bound from
/// <c>Authentication:WeChatMiniProgram</c>.
/// </summary>
public class WeChatMiniProgramOptions
{
    /// <summary>Gets or sets the mini-program's AppID (小程序 AppID).</summary>
    public string AppId { get; set; } = "";

    /// <summary>Gets or sets the mini-program's AppSecret. It never appears in logs, messages or responses.</summary>
    public string AppSecret { get; set; } = "";

    /// <summary>Gets or sets the address of <c>sns/jscode2session</c>.</summary>
    /// <remarks>Defaults to <see cref="WeChatMiniProgramDefaults.SessionEndpoint"/>.</remarks>
    public string SessionEndpoint { get; set; } = WeChatMiniProgramDefaults.SessionEndpoint;

    /// <summary>Gets or sets the address of <c>wxa/business/getuserphonenumber</c>.</summary>
    /// <remarks>Defaults to <see cref="WeChatMiniProgramDefaults.PhoneNumberEndpoint"/>.</remarks>
    public string PhoneNumberEndpoint { get; set; } = WeChatMiniProgramDefaults.PhoneNumberEndpoint;

    /// <summary>Gets or sets the address of <c>wxa/checksession</c>.</summary>
    /// <remarks>Defaults to <see cref="WeChatMiniProgramDefaults.CheckSessionEndpoint"/>.</remarks>
    public string CheckSessionEndpoint { get; set; } = WeChatMiniProgramDefaults.CheckSessionEndpoint;

    /// <summary>
    /// Gets or sets the address of <c>cgi-bin/stable_token</c>, where the mini-program's global access token comes from
    /// (the phone-number and check-session APIs need it). The token is the access token provider of the same name
    /// (<c>[FromKeyedServices(name)] IWeChatAccessTokenProvider</c>), which <c>AddWeChatMiniProgram</c> adds.
    /// </summary>
    /// <remarks>Defaults to <see cref="WeChatAccessTokenOptions.DefaultStableTokenEndpoint"/>.</remarks>
    public string StableTokenEndpoint { get; set; } = WeChatAccessTokenOptions.DefaultStableTokenEndpoint;

    /// <summary>Gets or sets which WeChat id becomes the signed-in user's name identifier.</summary>
    /// <remarks>
    /// Defaults to <see cref="WeChatNameIdentifierSource.OpenId"/>. Use <see cref="WeChatNameIdentifierSource.UnionId"/>
    /// or <see cref="WeChatNameIdentifierSource.UnionIdOrOpenId"/> to recognise one person across the mini-program and
    /// the official account (openids differ per app): WeChat returns a unionid when the mini-program is bound to an Open
    /// Platform account.
    /// </remarks>
    public WeChatNameIdentifierSource NameIdentifierSource { get; set; } = WeChatNameIdentifierSource.OpenId;

    /// <summary>
    /// Gets or sets the scheme that signs the user in. With the bearer-token scheme (the default) the sign-in answers
    /// <c>{"tokenType":"Bearer","accessToken":…,"expiresIn":…,"refreshToken":…}</c>; with another scheme (a cookie, for
    /// example) the scheme writes its own answer, or the sign-in answers 204 No Content.
    /// </summary>
    /// <remarks>Defaults to <see cref="WeChatMiniProgramDefaults.BearerScheme"/>.</remarks>
    public string SignInScheme { get; set; } = WeChatMiniProgramDefaults.BearerScheme;

    /// <summary>Gets or sets the longest a call to WeChat may take, the body included.</summary>
    /// <remarks>Defaults to 10 seconds.</remarks>
    public TimeSpan BackchannelTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets the client that calls <c>sns/jscode2session</c>. When <see langword="null"/> (the default), the
    /// package's own named <see cref="IHttpClientFactory"/> client is used, which follows no redirect.
    /// </summary>
    public HttpClient? Backchannel { get; set; }

    /// <summary>
    /// Gets or sets how long a code, once exchanged, keeps answering with the same sign-in: a mini-program that retries
    /// after a network error gets its user signed in again instead of WeChat's "code been used" (40163), and WeChat is
    /// called once. <see cref="TimeSpan.Zero"/> turns this off: a repeated code then fails with 400.
    /// </summary>
    /// <remarks>
    /// Defaults to 30 seconds: 0, or from <see cref="BackchannelTimeout"/> plus 3 seconds to 5 minutes (a code's own
    /// lifetime). A code signs its user in again at most <see cref="WeChatMiniProgramDefaults.MaxRepeatsPerCode"/> times.
    /// </remarks>
    public TimeSpan RepeatedCodeWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how long a user's session_key is kept on the server after their last sign-in, for decrypting open
    /// data. WeChat does not say how long a session_key lives; a new sign-in replaces it.
    /// </summary>
    /// <remarks>Defaults to 3 days.</remarks>
    public TimeSpan SessionKeyLifetime { get; set; } = TimeSpan.FromDays(3);

    /// <summary>
    /// Gets or sets how long the session_key a sign-in replaced still decrypts open data: a mini-program that called
    /// <c>wx.login</c> twice, or in the wrong order, holds data encrypted with the older key.
    /// </summary>
    /// <remarks>Defaults to 5 minutes.</remarks>
    public TimeSpan PreviousSessionKeyLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets how old open data (its <c>watermark.timestamp</c>) may be, or <see langword="null"/> to accept any
    /// age. Phone numbers are checked likewise.
    /// </summary>
    /// <remarks>Defaults to <see langword="null"/>.</remarks>
    public TimeSpan? OpenDataMaxAge { get; set; }

    /// <summary>
    /// Gets or sets the prefix of the keys under which session keys and recently exchanged codes are kept in the
    /// app's <c>IDistributedCache</c>; the AppID follows it.
    /// </summary>
    /// <remarks>Defaults to <c>WeChat.MiniProgram:</c>.</remarks>
    public string CacheKeyPrefix { get; set; } = "WeChat.MiniProgram:";

    /// <summary>Gets or sets the events an app uses to map a WeChat user to its own account, or to reject them.</summary>
    public WeChatMiniProgramEvents Events { get; set; } = new();

    /// <summary>
    /// How long, beyond WeChat's answer, an exchange may take to finish: the session_key's lease (at most about a
    /// second) and the writes to the cache.
    /// </summary>
    internal static readonly TimeSpan AfterExchangeAllowance = TimeSpan.FromSeconds(3);

    /// <summary>Checks that the options are valid.</summary>
    /// <exception cref="ArgumentException">An option is missing or invalid; the message names it.</exception>
    public virtual void Validate()
    {
        if (string.IsNullOrEmpty(AppId))
        {
            throw new ArgumentException("The 'AppId' option must be provided: the mini-program's AppID (Authentication:WeChatMiniProgram:AppId).", nameof(AppId));
        }

        if (string.IsNullOrEmpty(AppSecret))
        {
            throw new ArgumentException("The 'AppSecret' option must be provided: the mini-program's AppSecret (Authentication:WeChatMiniProgram:AppSecret).", nameof(AppSecret));
        }

        WeChatOptionsChecks.Endpoint(SessionEndpoint, nameof(SessionEndpoint));
        WeChatOptionsChecks.Endpoint(PhoneNumberEndpoint, nameof(PhoneNumberEndpoint));
        WeChatOptionsChecks.Endpoint(CheckSessionEndpoint, nameof(CheckSessionEndpoint));
        WeChatOptionsChecks.Endpoint(StableTokenEndpoint, nameof(StableTokenEndpoint));

        if (!Enum.IsDefined(NameIdentifierSource))
        {
            throw new ArgumentException("The 'NameIdentifierSource' option must be OpenId, UnionId or UnionIdOrOpenId.", nameof(NameIdentifierSource));
        }

        if (string.IsNullOrEmpty(SignInScheme))
        {
            throw new ArgumentException("The 'SignInScheme' option must be provided.", nameof(SignInScheme));
        }

        if (BackchannelTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("The 'BackchannelTimeout' option must be positive.", nameof(BackchannelTimeout));
        }

        if (RepeatedCodeWindow < TimeSpan.Zero || RepeatedCodeWindow > TimeSpan.FromMinutes(5))
        {
            throw new ArgumentException("The 'RepeatedCodeWindow' option must be between 0 and 5 minutes (a code's lifetime).", nameof(RepeatedCodeWindow));
        }

        if (RepeatedCodeWindow > TimeSpan.Zero && RepeatedCodeWindow < BackchannelTimeout + AfterExchangeAllowance)
        {
            // Otherwise a code's claim could run out while its exchange still runs, and another instance exchange it again.
            throw new ArgumentException("The 'RepeatedCodeWindow' option must be 0, or at least 'BackchannelTimeout' plus 3 seconds.", nameof(RepeatedCodeWindow));
        }

        if (SessionKeyLifetime <= TimeSpan.Zero)
        {
            throw new ArgumentException("The 'SessionKeyLifetime' option must be positive.", nameof(SessionKeyLifetime));
        }

        if (PreviousSessionKeyLifetime < TimeSpan.Zero || PreviousSessionKeyLifetime > SessionKeyLifetime)
        {
            throw new ArgumentException("The 'PreviousSessionKeyLifetime' option must be between 0 and 'SessionKeyLifetime'.", nameof(PreviousSessionKeyLifetime));
        }

        if (OpenDataMaxAge is { } maxAge && maxAge <= TimeSpan.Zero)
        {
            throw new ArgumentException("The 'OpenDataMaxAge' option must be positive, or null to accept any age.", nameof(OpenDataMaxAge));
        }

        if (string.IsNullOrEmpty(CacheKeyPrefix))
        {
            throw new ArgumentException("The 'CacheKeyPrefix' option must be provided.", nameof(CacheKeyPrefix));
        }

        ArgumentNullException.ThrowIfNull(Events, nameof(Events));
    }
}
