using System.Diagnostics.Metrics;
using System.Globalization;

namespace AspNetCore.Authentication.WeChat.AccessTokens;

/// <summary>
/// The access token providers' instruments, on the meter <c>AspNetCore.Authentication.WeChat</c>: every counter is
/// tagged with the provider's name (<c>wechat.access_token.name</c>), never with a token or an AppSecret.
/// </summary>
internal sealed class WeChatAccessTokenMetrics
{
    public const string MeterName = "AspNetCore.Authentication.WeChat";

    private const string NameTag = "wechat.access_token.name";

    private readonly Counter<long> _hits;
    private readonly Counter<long> _fetches;
    private readonly Counter<long> _invalidations;
    private readonly Counter<long> _failures;

    public WeChatAccessTokenMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _hits = meter.CreateCounter<long>("wechat.access_token.hits", "{token}", "Access tokens handed out without a call to WeChat.");
        _fetches = meter.CreateCounter<long>("wechat.access_token.fetches", "{call}", "Successful calls to WeChat's token API.");
        _invalidations = meter.CreateCounter<long>("wechat.access_token.invalidations", "{token}", "Tokens an API rejected, and dropped.");
        _failures = meter.CreateCounter<long>("wechat.access_token.failures", "{call}", "Failed attempts to get a token, by kind and errcode.");
    }

    public void Hit(string name) => _hits.Add(1, new KeyValuePair<string, object?>(NameTag, name));

    public void Fetched(string name, WeChatAccessTokenMode mode)
        => _fetches.Add(1, new KeyValuePair<string, object?>(NameTag, name), new KeyValuePair<string, object?>("wechat.access_token.mode", mode == WeChatAccessTokenMode.Stable ? "stable" : "classic"));

    public void Invalidated(string name) => _invalidations.Add(1, new KeyValuePair<string, object?>(NameTag, name));

    public void Failed(string name, WeChatException failure)
        => _failures.Add(1,
            new KeyValuePair<string, object?>(NameTag, name),
            new KeyValuePair<string, object?>("wechat.failure.kind", failure.Kind.ToString()),
            new KeyValuePair<string, object?>("wechat.errcode", failure.ErrorCode?.ToString(CultureInfo.InvariantCulture) ?? ""));
}
