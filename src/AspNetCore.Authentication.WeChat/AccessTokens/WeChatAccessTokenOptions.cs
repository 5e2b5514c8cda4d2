using AspNetCore.Authentication.WeChat.Internal;

namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// Options of a WeChat app's global access token provider (<c>AddWeChatAccessToken</c>).
/// </summary>
public class WeChatAccessTokenOptions
{
    /// <summary>The default <see cref="StableTokenEndpoint"/>.</summary>
    public const string DefaultStableTokenEndpoint = "https://api.weixin.qq.com/cgi-bin/stable_token";

    /// <summary>The default <see cref="TokenEndpoint"/>.</summary>
    public const string DefaultTokenEndpoint = "https://api.weixin.qq.com/cgi-bin/token";

    /// <summary>Gets or sets the app's AppID (an official account's or a mini-program's).</summary>
    public string AppId { get; set; } = "";

    /// <summary>Gets or sets the app's AppSecret. It never appears in logs, messages or metrics.</summary>
    public string AppSecret { get; set; } = "";

    /// <summary>Gets or sets which API the token comes from.</summary>
    /// <remarks>Defaults to <see cref="WeChatAccessTokenMode.Stable"/>.</remarks>
    public WeChatAccessTokenMode Mode { get; set; } = WeChatAccessTokenMode.Stable;

    /// <summary>Gets or sets the address of <c>cgi-bin/stable_token</c>.</summary>
    public string StableTokenEndpoint { get; set; } = DefaultStableTokenEndpoint;

    /// <summary>Gets or sets the address of <c>cgi-bin/token</c>.</summary>
    public string TokenEndpoint { get; set; } = DefaultTokenEndpoint;

    /// <summary>
    /// Gets or sets how long before its expiry a token is refreshed: callers keep getting it meanwhile. WeChat hands out
    /// the next stable token in the last 5 minutes of the current one, and keeps a replaced classic token valid for 5
    /// more minutes, so 5 minutes fits both.
    /// </summary>
    /// <remarks>Defaults to 5 minutes.</remarks>
    public TimeSpan RefreshMargin { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the longest a caller waits for a token when none is cached, before failing.</summary>
    /// <remarks>Defaults to 10 seconds.</remarks>
    public TimeSpan WaitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the longest a call to WeChat's token API may take, the body included.</summary>
    /// <remarks>Defaults to 10 seconds.</remarks>
    public TimeSpan BackchannelTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets how long after a failed fetch the provider waits before it asks WeChat again, so that a wrong
    /// AppSecret, a missing IP whitelist entry or a used-up quota never turns into a storm of calls. Meanwhile a token
    /// still valid is handed out, and callers without one get the failure at once.
    /// </summary>
    /// <remarks>Defaults to 10 seconds.</remarks>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets how long one instance of a web farm may hold the right to refresh (a lease on the shared
    /// <see cref="IWeChatAtomicStore"/>); a lease of an instance that died runs out after this long.
    /// </summary>
    /// <remarks>
    /// Defaults to 60 seconds. It must outlast the longest refresh, three attempts of <see cref="BackchannelTimeout"/>
    /// (WeChat busy) and the pauses between them, or a second instance would refresh while the first still is.
    /// </remarks>
    public TimeSpan LockLease { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets the prefix of the keys the token and its lease are kept under in a shared cache; the mode and the
    /// AppID follow it, so that two apps, or two modes of one app, never share a token.
    /// </summary>
    /// <remarks>Defaults to <c>WeChat.AccessToken:</c>.</remarks>
    public string CacheKeyPrefix { get; set; } = "WeChat.AccessToken:";

    /// <summary>
    /// Gets or sets the client that calls WeChat. When <see langword="null"/> (the default), the package's own named
    /// <see cref="IHttpClientFactory"/> client is used, which follows no redirect.
    /// </summary>
    public HttpClient? Backchannel { get; set; }

    /// <summary>Checks that the options are valid.</summary>
    /// <exception cref="ArgumentException">An option is missing or invalid; the message names it.</exception>
    public virtual void Validate()
    {
        if (string.IsNullOrEmpty(AppId))
        {
            throw new ArgumentException("The 'AppId' option of the WeChat access token must be provided: the AppID of the official account or mini-program.", nameof(AppId));
        }

        if (string.IsNullOrEmpty(AppSecret))
        {
            throw new ArgumentException("The 'AppSecret' option of the WeChat access token must be provided (kept out of source control).", nameof(AppSecret));
        }

        if (!Enum.IsDefined(Mode))
        {
            throw new ArgumentException("The 'Mode' option of the WeChat access token must be Stable or Classic.", nameof(Mode));
        }

        WeChatOptionsChecks.Endpoint(StableTokenEndpoint, nameof(StableTokenEndpoint), "of the WeChat access token");
        WeChatOptionsChecks.Endpoint(TokenEndpoint, nameof(TokenEndpoint), "of the WeChat access token");
        ValidatePositive(WaitTimeout, nameof(WaitTimeout));
        ValidatePositive(BackchannelTimeout, nameof(BackchannelTimeout));
        ValidatePositive(RetryInterval, nameof(RetryInterval));
        ValidatePositive(LockLease, nameof(LockLease));
        if (LockLease < 3 * BackchannelTimeout + TimeSpan.FromSeconds(2))
        {
            throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"The 'LockLease' option of the WeChat access token must be at least 3 × BackchannelTimeout + 2 seconds ({(3 * BackchannelTimeout + TimeSpan.FromSeconds(2)).TotalSeconds:0.###} s), the longest a refresh can take, or a second instance of a farm refreshes while the first still is."),
                nameof(LockLease));
        }
        if (RefreshMargin < TimeSpan.Zero || RefreshMargin >= TimeSpan.FromHours(2))
        {
            throw new ArgumentException("The 'RefreshMargin' option of the WeChat access token must be between 0 and 2 hours (a token lives 7,200 seconds).", nameof(RefreshMargin));
        }

        if (string.IsNullOrEmpty(CacheKeyPrefix))
        {
            throw new ArgumentException("The 'CacheKeyPrefix' option of the WeChat access token must not be empty.", nameof(CacheKeyPrefix));
        }
    }

    private static void ValidatePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentException($"The '{name}' option of the WeChat access token must be a positive time span.", name);
        }
    }
}
