using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspNetCore.Authentication.WeChat.AccessTokens;

/// <summary>
/// Healthy while the provider can hand out a valid token (cached, or fetched now); otherwise the failure's kind and
/// errcode, and its developer message, which never carries the token, the AppSecret or the IP from a 40164.
/// </summary>
internal sealed class WeChatAccessTokenHealthCheck(IWeChatAccessTokenProvider provider) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            _ = await provider.GetAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"A valid WeChat access token of '{provider.Name}' is available.");
        }
        catch (WeChatApiException ex)
        {
            var data = new Dictionary<string, object>
            {
                ["kind"] = ex.Kind.ToString(),
            };
            if (ex.ErrorCode is { } errorCode)
            {
                data["errcode"] = errorCode.ToString(CultureInfo.InvariantCulture);
            }

            // Not the exception itself: health reports are often shown whole, and its inner exceptions are the
            // transport's, which may name addresses.
            return new HealthCheckResult(context.Registration.FailureStatus, ex.Message, exception: null, data);
        }
    }
}
