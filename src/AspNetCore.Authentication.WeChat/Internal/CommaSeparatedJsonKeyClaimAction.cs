using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.OAuth.Claims;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Adds one claim per item of a comma-separated string, as WeChat formats <c>scope</c>.
/// </summary>
internal sealed class CommaSeparatedJsonKeyClaimAction(string claimType, string jsonKey)
    : ClaimAction(claimType, ClaimValueTypes.String)
{
    public string JsonKey { get; } = jsonKey;

    public override void Run(JsonElement userData, ClaimsIdentity identity, string issuer)
    {
        if (!userData.TryGetProperty(JsonKey, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return;
        }

        foreach (var item in value.GetString()!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            identity.AddClaim(new Claim(ClaimType, item, ValueType, issuer));
        }
    }
}
