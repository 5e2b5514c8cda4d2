using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.OAuth.Claims;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Maps WeChat's numeric <c>sex</c> (1 male, 2 female, 0 unknown) to a gender claim, skipping "unknown".
/// </summary>
internal sealed class WeChatGenderClaimAction() : ClaimAction(ClaimTypes.Gender, ClaimValueTypes.String)
{
    public override void Run(JsonElement userData, ClaimsIdentity identity, string issuer)
    {
        if (!userData.TryGetProperty("sex", out var sex) || sex.ValueKind != JsonValueKind.Number || !sex.TryGetInt32(out var value))
        {
            return;
        }

        var gender = value switch
        {
            1 => "male",
            2 => "female",
            _ => null,
        };

        if (gender is not null)
        {
            identity.AddClaim(new Claim(ClaimType, gender, ValueType, issuer));
        }
    }
}
