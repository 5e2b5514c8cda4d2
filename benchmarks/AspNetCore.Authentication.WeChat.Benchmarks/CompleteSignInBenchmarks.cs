using System.Security.Claims;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace AspNetCore.Authentication.WeChat.Benchmarks;

/// <summary>
/// One complete sign-in per operation: an anonymous request to a protected page → the challenge's 302 (the state kept)
/// → the callback with a code → the code exchanged, the profile fetched, the cookie signed in → 302. Challenge and
/// callback in one operation, so that single-use state costs what it really costs. Against ASP.NET Core's generic
/// OAuth handler doing the same job, and a floor of two anonymous requests (hosting and middleware alone).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class CompleteSignInBenchmarks
{
    private SignInApp _floor = null!;
    private SignInApp _weChat = null!;
    private SignInApp _weChatBase = null!;
    private SignInApp _qrConnect = null!;
    private SignInApp _oauth = null!;
    private SignInApp _oauthTokenOnly = null!;
    private long _code;

    [GlobalSetup]
    public async Task StartAsync()
    {
        _floor = await SignInApp.StartAsync("OAuth", a => SignInBenchmarks.AddOAuth(a, userInformation: true)).ConfigureAwait(false);
        _weChat = await SignInApp.StartAsync(WeChatAuthenticationDefaults.AuthenticationScheme, a => SignInBenchmarks.AddWeChat(a, WeChatAuthenticationDefaults.UserInfoScope)).ConfigureAwait(false);
        _weChatBase = await SignInApp.StartAsync(WeChatAuthenticationDefaults.AuthenticationScheme, a => SignInBenchmarks.AddWeChat(a, WeChatAuthenticationDefaults.BaseScope)).ConfigureAwait(false);
        _qrConnect = await SignInApp.StartAsync(WeChatQrConnectDefaults.AuthenticationScheme, a => a.AddWeChatQrConnect(o =>
        {
            o.AppId = "wxweb1234567890abc";
            o.AppSecret = "0123456789abcdef0123456789abcdef";
            o.BackchannelHttpHandler = Fakes.WeChat(WeChatQrConnectDefaults.LoginScope);
        })).ConfigureAwait(false);
        _oauth = await SignInApp.StartAsync("OAuth", a => SignInBenchmarks.AddOAuth(a, userInformation: true)).ConfigureAwait(false);
        _oauthTokenOnly = await SignInApp.StartAsync("OAuth", a => SignInBenchmarks.AddOAuth(a, userInformation: false)).ConfigureAwait(false);

        // Each path works before it is timed.
        await Floor().ConfigureAwait(false);
        await WeChatUserInfo().ConfigureAwait(false);
        await WeChatBase().ConfigureAwait(false);
        await QrConnect().ConfigureAwait(false);
        await OAuthUserInfo().ConfigureAwait(false);
        await OAuthTokenOnly().ConfigureAwait(false);
    }

    [GlobalCleanup]
    public async Task StopAsync()
    {
        foreach (var app in new[] { _floor, _weChat, _weChatBase, _qrConnect, _oauth, _oauthTokenOnly })
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Two anonymous requests through the same app, no handler: what every row pays for hosting.</summary>
    [Benchmark, BenchmarkCategory("Floor")]
    public async Task<int> Floor()
    {
        (await _floor.Server.GetAsync(SignInApp.AnonymousPath).ConfigureAwait(false)).EnsureRedirect();
        return (await _floor.Server.GetAsync(SignInApp.AnonymousPath).ConfigureAwait(false)).EnsureRedirect().StatusCode;
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Profile")]
    public Task<int> OAuthUserInfo() => SignInAsync(_oauth, "/signin-oauth");

    [Benchmark, BenchmarkCategory("Profile")]
    public Task<int> WeChatUserInfo() => SignInAsync(_weChat, "/signin-wechat");

    [Benchmark, BenchmarkCategory("Profile")]
    public Task<int> QrConnect() => SignInAsync(_qrConnect, "/signin-wechat-qrconnect");

    [Benchmark(Baseline = true), BenchmarkCategory("Token only")]
    public Task<int> OAuthTokenOnly() => SignInAsync(_oauthTokenOnly, "/signin-oauth");

    [Benchmark, BenchmarkCategory("Token only")]
    public Task<int> WeChatBase() => SignInAsync(_weChatBase, "/signin-wechat");

    /// <summary>Runs one benchmark <paramref name="count"/> times, for a profiler.</summary>
    internal static async Task ProfileAsync(string benchmark, int count)
    {
        var benchmarks = new CompleteSignInBenchmarks();
        await benchmarks.StartAsync().ConfigureAwait(false);
        var run = typeof(CompleteSignInBenchmarks).GetMethod(benchmark) ?? throw new ArgumentException("No benchmark " + benchmark, nameof(benchmark));
        for (var i = 0; i < 1000; i++)
        {
            await ((Task<int>)run.Invoke(benchmarks, null)!).ConfigureAwait(false);
        }

        for (var i = 0; i < count; i++)
        {
            await ((Task<int>)run.Invoke(benchmarks, null)!).ConfigureAwait(false);
        }

        await benchmarks.StopAsync().ConfigureAwait(false);
    }

    private async Task<int> SignInAsync(SignInApp app, string callbackPath)
    {
        var challenge = (await app.Server.GetAsync(SignInApp.ProtectedPath).ConfigureAwait(false)).EnsureRedirect();
        var location = challenge.Location;
        var start = location.IndexOf("&state=", StringComparison.Ordinal) + 7;
        var end = location.IndexOfAny(['&', '#'], start);
        var state = end < 0 ? location[start..] : location[start..end];
        var callback = string.Concat(callbackPath, "?code=CODE", (++_code).ToString(System.Globalization.CultureInfo.InvariantCulture), "&state=", state);
        return (await app.Server.GetAsync(callback, challenge.Cookies).ConfigureAwait(false)).EnsureRedirect(SignInApp.SignInCookie).StatusCode;
    }
}
