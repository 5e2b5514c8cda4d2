using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.OAuth.Claims;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Maps openid or unionid to the name identifier, as <see cref="WeChatOAuthOptions.NameIdentifierSource"/> says.
/// </summary>
/// <remarks>
/// The options are read when the action runs, not when it is created, so that a value bound from
/// configuration after the constructor takes effect.
/// </remarks>
internal sealed class WeChatNameIdentifierClaimAction(WeChatOAuthOptions options)
    : ClaimAction(ClaimTypes.NameIdentifier, ClaimValueTypes.String)
{
    public override void Run(JsonElement userData, ClaimsIdentity identity, string issuer)
    {
        var value = options.NameIdentifierSource switch
        {
            WeChatNameIdentifierSource.UnionId => userData.GetNonEmptyString("unionid"),
            WeChatNameIdentifierSource.UnionIdOrOpenId => userData.GetNonEmptyString("unionid") ?? userData.GetNonEmptyString("openid"),
            _ => userData.GetNonEmptyString("openid"),
        };

        if (value is not null)
        {
            identity.AddClaim(new Claim(ClaimType, value, ValueType, issuer));
        }
    }
}
