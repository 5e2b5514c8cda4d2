using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Emulator;

namespace LoadDriver;

/// <summary>
/// One complete mini-program sign-in by a new mini-program: <c>wx.login</c>'s code (minted in the driver's emulator, for
/// a new distinct user) → POST <c>/signin-wechat-miniprogram</c> with <c>{"code":"…"}</c> → 200 with bearer tokens →
/// GET <c>/api/me</c> with the access token, which must name exactly the user the code was minted for.
/// </summary>
internal sealed class MiniProgramSignInFlow(HttpClient client, Uri app, WeChatEmulator emulator) : ISignInFlow
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly Uri _signIn = new(app, "/signin-wechat-miniprogram");
    private readonly Uri _me = new(app, "/api/me");

    public async Task<SignInOutcome> RunAsync(CancellationToken cancellationToken)
    {
        // 1. wx.login: a code for a new user, who the driver looks up now, before the app spends the code.
        var code = emulator.IssueMiniProgramCode(emulator.Options.Users[0]);
        if (!emulator.TryGetMiniProgramCodeUser(code, out var user))
        {
            return SignInOutcome.Failed("The emulator does not know the code it has just minted.");
        }

        // 2. The mini-program sends the code; the app exchanges it at jscode2session and answers bearer tokens. The code
        // is 32 letters and digits: nothing in it needs escaping in JSON.
        string accessToken;
        using (var request = new HttpRequestMessage(HttpMethod.Post, _signIn))
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"code\":\"" + code + "\"}")) { Headers = { ContentType = Json } };
            using var signedIn = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await signedIn.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (signedIn.StatusCode != HttpStatusCode.OK)
            {
                return Unexpected("POST /signin-wechat-miniprogram", signedIn, body);
            }

            if (ReadTokens(body) is not { } token)
            {
                return SignInOutcome.Failed("POST /signin-wechat-miniprogram: 200 without {\"tokenType\":\"Bearer\",\"accessToken\",\"expiresIn\",\"refreshToken\"}: " + Cut(body));
            }

            accessToken = token;
        }

        // 3. The mini-program's first API call, with the access token alone: who is signed in.
        using (var request = new HttpRequestMessage(HttpMethod.Get, _me))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
            using var me = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await me.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (me.StatusCode != HttpStatusCode.OK)
            {
                return Unexpected("GET /api/me", me, body);
            }

            return CheckIdentity(body, user.MiniProgramOpenId, user.UnionId, emulator.Options.MiniProgramAppId);
        }
    }

    /// <summary>
    /// Whether <c>/api/me</c>'s answer names exactly the expected user: another openid or unionid is a crossed identity;
    /// an answer without an openid, or of another mini-program, is a failure.
    /// </summary>
    public static SignInOutcome CheckIdentity(string meJson, string expectedOpenId, string? expectedUnionId, string expectedAppId)
    {
        string? openId, unionId, appId;
        try
        {
            using var me = JsonDocument.Parse(meJson);
            if (me.RootElement.ValueKind != JsonValueKind.Object)
            {
                return SignInOutcome.Failed("GET /api/me: not a JSON object: " + Cut(meJson));
            }

            openId = Text(me.RootElement, "openid");
            unionId = Text(me.RootElement, "unionid");
            appId = Text(me.RootElement, "appid");
        }
        catch (JsonException)
        {
            return SignInOutcome.Failed("GET /api/me: not JSON: " + Cut(meJson));
        }

        if (openId is null)
        {
            return SignInOutcome.Failed("GET /api/me shows no openid: " + Cut(meJson));
        }

        if (openId != expectedOpenId || unionId != expectedUnionId)
        {
            return SignInOutcome.Crossed($"Began as {expectedOpenId} ({expectedUnionId ?? "no unionid"}), ended as {openId} ({unionId ?? "no unionid"}).");
        }

        return appId == expectedAppId
            ? SignInOutcome.Succeeded
            : SignInOutcome.Failed($"GET /api/me: signed in by the mini-program {appId ?? "(none)"}, not {expectedAppId}.");
    }

    /// <summary>The access token of the sign-in's answer, when it has the bearer-token shape; otherwise null.</summary>
    public static string? ReadTokens(string body)
    {
        try
        {
            using var tokens = JsonDocument.Parse(body);
            var root = tokens.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && Text(root, "tokenType") == "Bearer"
                && Text(root, "accessToken") is { Length: > 0 } accessToken
                && Text(root, "refreshToken") is { Length: > 0 }
                && root.TryGetProperty("expiresIn", out var expiresIn) && expiresIn.ValueKind == JsonValueKind.Number
                && expiresIn.TryGetInt64(out var seconds) && seconds > 0
                ? accessToken
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static SignInOutcome Unexpected(string step, HttpResponseMessage response, string body)
        => SignInOutcome.Failed($"{step}: HTTP {(int)response.StatusCode} {Cut(body)}");

    // A problem's type and detail fit in this; a whole page would fill the report.
    private static string Cut(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
