using System.Security.Claims;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace AspNetCore.Authentication.WeChat.Benchmarks;

/// <summary>
/// The WeChat handler against ASP.NET Core's generic OAuth handler doing the same job, request by request, through the
/// whole middleware pipeline with the provider faked in memory at the backchannel.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[InvocationCount(Invocations)]
public class SignInBenchmarks
{
    // Every callback needs a fresh challenge (state and code are single-use): each iteration prepares this many.
    private const int Invocations = 4096;

    private readonly Queue<(string Url, string Cookie)> _pending = new(Invocations);
    private SignInApp _weChat = null!;
    private SignInApp _weChatBase = null!;
    private SignInApp _oauth = null!;
    private SignInApp _oauthTokenOnly = null!;

    [GlobalSetup]
    public async Task StartAsync()
    {
        _weChat = await SignInApp.StartAsync(WeChatAuthenticationDefaults.AuthenticationScheme, a => AddWeChat(a, WeChatAuthenticationDefaults.UserInfoScope)).ConfigureAwait(false);
        _weChatBase = await SignInApp.StartAsync(WeChatAuthenticationDefaults.AuthenticationScheme, a => AddWeChat(a, WeChatAuthenticationDefaults.BaseScope)).ConfigureAwait(false);
        _oauth = await SignInApp.StartAsync("OAuth", a => AddOAuth(a, userInformation: true)).ConfigureAwait(false);
        _oauthTokenOnly = await SignInApp.StartAsync("OAuth", a => AddOAuth(a, userInformation: false)).ConfigureAwait(false);

        // Each path works before it is timed.
        foreach (var (app, callback) in new[] { (_weChat, "/signin-wechat"), (_weChatBase, "/signin-wechat"), (_oauth, "/signin-oauth"), (_oauthTokenOnly, "/signin-oauth") })
        {
            Prepare(app, callback, 1);
            var (url, cookie) = _pending.Dequeue();
            (await app.Server.GetAsync(url, cookie).ConfigureAwait(false)).EnsureRedirect(SignInApp.SignInCookie);
        }
    }

    [GlobalCleanup]
    public async Task StopAsync()
    {
        await _weChat.DisposeAsync().ConfigureAwait(false);
        await _weChatBase.DisposeAsync().ConfigureAwait(false);
        await _oauth.DisposeAsync().ConfigureAwait(false);
        await _oauthTokenOnly.DisposeAsync().ConfigureAwait(false);
    }

    [IterationSetup(Target = nameof(WeChatCallbackUserInfo))]
    public void PrepareWeChat() => Prepare(_weChat, "/signin-wechat", Invocations);

    [IterationSetup(Target = nameof(WeChatCallbackBase))]
    public void PrepareWeChatBase() => Prepare(_weChatBase, "/signin-wechat", Invocations);

    [IterationSetup(Target = nameof(OAuthCallbackUserInfo))]
    public void PrepareOAuth() => Prepare(_oauth, "/signin-oauth", Invocations);

    [IterationSetup(Target = nameof(OAuthCallbackTokenOnly))]
    public void PrepareOAuthTokenOnly() => Prepare(_oauthTokenOnly, "/signin-oauth", Invocations);

    [Benchmark(Baseline = true), BenchmarkCategory("Challenge")]
    public Task<int> OAuthChallenge() => ChallengeAsync(_oauth);

    [Benchmark, BenchmarkCategory("Challenge")]
    public Task<int> WeChatChallenge() => ChallengeAsync(_weChat);

    [Benchmark(Baseline = true), BenchmarkCategory("Callback, profile")]
    public Task<int> OAuthCallbackUserInfo() => CallbackAsync(_oauth);

    [Benchmark, BenchmarkCategory("Callback, profile")]
    public Task<int> WeChatCallbackUserInfo() => CallbackAsync(_weChat);

    [Benchmark(Baseline = true), BenchmarkCategory("Callback, token only")]
    public Task<int> OAuthCallbackTokenOnly() => CallbackAsync(_oauthTokenOnly);

    [Benchmark, BenchmarkCategory("Callback, token only")]
    public Task<int> WeChatCallbackBase() => CallbackAsync(_weChatBase);

    private static async Task<int> ChallengeAsync(SignInApp app)
        => (await ChallengeResponseAsync(app).ConfigureAwait(false)).StatusCode;

    private static async Task<InMemoryResponse> ChallengeResponseAsync(SignInApp app)
        => (await app.Server.GetAsync(SignInApp.ProtectedPath).ConfigureAwait(false)).EnsureRedirect();

    private async Task<int> CallbackAsync(SignInApp app)
    {
        var (url, cookie) = _pending.Dequeue();
        return (await app.Server.GetAsync(url, cookie).ConfigureAwait(false)).EnsureRedirect(SignInApp.SignInCookie).StatusCode;
    }

    private void Prepare(SignInApp app, string callbackPath, int count)
    {
        _pending.Clear();
        for (var i = 0; i < count; i++)
        {
            var challenge = ChallengeResponseAsync(app).GetAwaiter().GetResult();
            var state = QueryHelpers.ParseQuery(new Uri(challenge.Location).Query)["state"].ToString();
            _pending.Enqueue(($"{callbackPath}?code=CODE{i}&state={Uri.EscapeDataString(state)}", challenge.Cookies));
        }
    }

    internal static void AddWeChat(AuthenticationBuilder authentication, string scope)
        => authentication.AddWeChat(o =>
        {
            o.AppId = "wx1234567890abcdef";
            o.AppSecret = "0123456789abcdef0123456789abcdef";
            o.Scope.Add(scope);
            o.BackchannelHttpHandler = Fakes.WeChat(scope);
        });

    // The generic handler as ASP.NET Core's documentation sets it up: the user-information call and claim mapping
    // in OnCreatingTicket, six claims like WeChat's.
    internal static void AddOAuth(AuthenticationBuilder authentication, bool userInformation)
        => authentication.AddOAuth("OAuth", o =>
        {
            o.ClientId = "client-id";
            o.ClientSecret = "0123456789abcdef0123456789abcdef";
            o.CallbackPath = "/signin-oauth";
            o.AuthorizationEndpoint = "https://provider.example/authorize";
            o.TokenEndpoint = "https://provider.example/oauth/token";
            o.UserInformationEndpoint = "https://provider.example/userinfo";
            o.Scope.Add("profile");
            o.BackchannelHttpHandler = Fakes.StandardOAuth();
            o.ClaimActions.MapJsonKey(ClaimTypes.NameIdentifier, "id");
            o.ClaimActions.MapJsonKey(ClaimTypes.Name, "name");
            o.ClaimActions.MapJsonKey("urn:oauth:id", "id");
            o.ClaimActions.MapJsonKey("urn:oauth:unionid", "unionid");
            o.ClaimActions.MapJsonKey("urn:oauth:picture", "picture");
            o.ClaimActions.MapJsonKey("urn:oauth:scope", "scope");
            o.Events.OnCreatingTicket = async context =>
            {
                if (!userInformation)
                {
                    context.RunClaimActions(context.TokenResponse.Response!.RootElement);
                    return;
                }

                using var request = new HttpRequestMessage(HttpMethod.Get, context.Options.UserInformationEndpoint);
                request.Headers.Authorization = new("Bearer", context.AccessToken);
                using var response = await context.Backchannel.SendAsync(request, context.HttpContext.RequestAborted).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                using var user = JsonDocument.Parse(await response.Content.ReadAsStringAsync(context.HttpContext.RequestAborted).ConfigureAwait(false));
                context.RunClaimActions(user.RootElement);
            };
        });
}
