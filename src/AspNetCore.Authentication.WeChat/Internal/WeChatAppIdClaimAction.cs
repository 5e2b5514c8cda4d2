using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.OAuth.Claims;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Adds the AppID the user signed in with (<see cref="WeChatClaimTypes.AppId"/>): an openid means something only next
/// to its app's AppID, and an app with both official-account and QR sign-in must know which openid it holds (template
/// messages need the official account's).
/// </summary>
/// <remarks>The options are read when the action runs, so that a value bound from configuration takes effect.</remarks>
internal sealed class WeChatAppIdClaimAction(WeChatOAuthOptions options)
    : ClaimAction(WeChatClaimTypes.AppId, ClaimValueTypes.String)
{
    public override void Run(JsonElement userData, ClaimsIdentity identity, string issuer)
    {
        if (!string.IsNullOrEmpty(options.AppId))
        {
            identity.AddClaim(new Claim(ClaimType, options.AppId, ValueType, issuer));
        }
    }
}
