using System.Text.Encodings.Web;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Api;
using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// Signs users in with WeChat official-account web authorization (微信网页授权), inside WeChat's own browser.
/// </summary>
/// <remarks>
/// The state, the callback and the ticket are <see cref="WeChatOAuthHandler{TOptions}"/>'s; this handler adds the
/// official account's authorization link and its optional follower lookup.
/// </remarks>
public class WeChatAuthenticationHandler : WeChatOAuthHandler<WeChatAuthenticationOptions>
{
    /// <summary>
    /// Initializes a new <see cref="WeChatAuthenticationHandler"/>.
    /// </summary>
    /// <param name="options">The options monitor.</param>
    /// <param name="logger">The logger factory.</param>
    /// <param name="encoder">The URL encoder.</param>
    public WeChatAuthenticationHandler(IOptionsMonitor<WeChatAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : base(options, logger, encoder)
    {
    }

    private protected override string BuildAuthorizationUrl(string redirectUri, string scope, string state)
    {
        // WeChat matches the authorization URL against a strict pattern: these parameters, in this order,
        // then #wechat_redirect (https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html).
        // Anything after the fragment never reaches WeChat.
        var url = StartAuthorizationUrl(redirectUri, scope, state);
        if (Options.ForcePopup)
        {
            url.Append("&forcePopup=true");
        }

        return url.Append("#wechat_redirect").ToString();
    }

    private protected override async Task<(WeChatTokenIdentity SignedIn, int? Subscribe)> AddFollowerInformationAsync(WeChatTokenIdentity signedIn, JsonElement? profile)
    {
        if (Options.FollowerInformationAccessToken is { } accessTokenName
            && await GetFollowerInformationAsync(accessTokenName, signedIn).ConfigureAwait(false) is { } follower)
        {
            return (WithFollowerUnionId(signedIn, profile, follower.UnionId), follower.Subscribe);
        }

        return (signedIn, null);
    }

    /// <summary>
    /// Asks <c>cgi-bin/user/info</c>, with the official account's global token, whether the user follows the account and
    /// (for a follower) their unionid. https://developers.weixin.qq.com/doc/service/api/usermanage/userinfo/api_userinfo
    /// </summary>
    /// <returns>The answer, or <see langword="null"/> when there is none and the sign-in can go on without it.</returns>
    private async Task<(int Subscribe, string? UnionId)?> GetFollowerInformationAsync(string accessTokenName, WeChatTokenIdentity signedIn)
    {
        var endpoint = Options.FollowerInformationApi;
        try
        {
            var client = WeChatBackchannel.CreateApiClient(Context.RequestServices.GetRequiredService<IHttpClientFactory>(), accessTokenName, Options.BackchannelTimeout);
            // This handler logs the one line of a failure itself, saying that the sign-in goes on.
            using var answer = await new WeChatApiClient(client, Options.BackchannelTimeout, NullLogger.Instance).GetAsync(
                endpoint,
                [("openid", signedIn.OpenId), ("lang", Options.Language)],
                check: (info, api) => ReadFollower(info, signedIn, api),
                cancellationToken: ExchangeAborted).ConfigureAwait(false);
            return ReadFollower(answer.RootElement, signedIn, endpoint);
        }
        catch (WeChatException ex) when (Options.NameIdentifierSource != WeChatNameIdentifierSource.UnionId)
        {
            Logger.FollowerInformationUnavailable(ex.Kind, ex.ErrorCode, ex.Message);
            return null;
        }
        catch (WeChatApiException ex)
        {
            // Without it there is no unionid to sign in with.
            Logger.FollowerInformationUnavailable(ex.Kind, ex.ErrorCode, ex.Message);
            throw new WeChatAuthenticationException(ex);
        }
    }

    private static (int Subscribe, string? UnionId) ReadFollower(JsonElement info, WeChatTokenIdentity signedIn, WeChatApiEndpoint endpoint)
    {
        // About the signed-in user, with WeChat's 0 or 1, or not believed.
        if (!info.TryGetProperty("openid", out var openId) || openId.ValueKind != JsonValueKind.String || !openId.ValueEquals(signedIn.OpenId))
        {
            throw endpoint.Failure(WeChatFailureKind.InvalidResponse, "answered about another openid than the signed-in user's");
        }

        if (!info.TryGetProperty("subscribe", out var subscribe) || subscribe.ValueKind != JsonValueKind.Number || !subscribe.TryGetInt32(out var follows) || follows is not (0 or 1))
        {
            throw endpoint.Failure(WeChatFailureKind.InvalidResponse, "answered without a subscribe of 0 or 1");
        }

        // WeChat gives a unionid only for a follower of an account bound to an Open Platform account.
        return (follows, follows == 1 ? WeChatTokenIdentity.ReadId(info, "unionid", endpoint) : null);
    }

    /// <summary>The identity with a follower's unionid, which must agree with any unionid the token or profile gave.</summary>
    private WeChatTokenIdentity WithFollowerUnionId(WeChatTokenIdentity signedIn, JsonElement? profile, string? followerUnionId)
    {
        if (followerUnionId is null)
        {
            return signedIn;
        }

        var known = signedIn.UnionId ?? (profile is { } checkedProfile ? WeChatTokenIdentity.ReadId(checkedProfile, "unionid", Options.UserInformationApi) : null);
        if (known is not null && !string.Equals(known, followerUnionId, StringComparison.Ordinal))
        {
            throw new WeChatAuthenticationException(Options.FollowerInformationApi.Failure(WeChatFailureKind.InvalidResponse, "answered with a unionid that is not the one the sign-in gave; the sign-in was stopped"));
        }

        return signedIn with { UnionId = followerUnionId };
    }
}
