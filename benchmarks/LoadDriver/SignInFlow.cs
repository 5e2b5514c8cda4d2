using System.Net;
using System.Text.RegularExpressions;
using AspNetCore.Authentication.WeChat.Emulator;
using Microsoft.AspNetCore.WebUtilities;

namespace LoadDriver;

/// <summary>
/// One complete sign-in by a fresh browser: GET the protected page → its 302 to the sign-in endpoint → the challenge's
/// 302 to WeChat → WeChat's silent authorization → the callback → the protected page, which must show the openid
/// WeChat issued the code for.
/// </summary>
internal sealed partial class SignInFlow(HttpClient client, Uri app, Uri weChatBrowserOrigin, WeChatEmulator emulator) : ISignInFlow
{
    private readonly Uri _profile = new(app, "/Profile");

    public async Task<SignInOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var cookies = new CookieJar();

        // 1. The protected page sends the browser to the sign-in endpoint, which challenges.
        using var page = await SendAsync(_profile, cookies, cancellationToken).ConfigureAwait(false);
        if (page.StatusCode != HttpStatusCode.Redirect || page.Headers.Location is not { } signIn)
        {
            return Unexpected("GET /Profile", page);
        }

        using var challenge = await SendAsync(new Uri(_profile, signIn), cookies, cancellationToken).ConfigureAwait(false);
        if (challenge.StatusCode != HttpStatusCode.Redirect || challenge.Headers.Location is not { } authorize
            || !authorize.IsAbsoluteUri || authorize.Authority != weChatBrowserOrigin.Authority)
        {
            return Unexpected("GET " + signIn.OriginalString, challenge);
        }

        // 2. WeChat authorizes and sends the browser back with a code issued to a new user.
        using var weChat = await SendAsync(authorize, cookies: null, cancellationToken).ConfigureAwait(false);
        if (weChat.StatusCode != HttpStatusCode.Redirect || weChat.Headers.Location is not { } callback)
        {
            return Unexpected("GET authorize", weChat);
        }

        var code = QueryHelpers.ParseQuery(callback.Query)["code"].ToString();
        if (!emulator.TryGetCodeUser(code, out var user))
        {
            return SignInOutcome.Failed("WeChat's callback carried no pending code.");
        }

        // 3. The callback exchanges the code and signs in.
        using var signedIn = await SendAsync(callback, cookies, cancellationToken).ConfigureAwait(false);
        if (signedIn.StatusCode != HttpStatusCode.Redirect || signedIn.Headers.Location is not { } returnUrl
            || new Uri(app, returnUrl) != _profile)
        {
            return Unexpected("GET callback", signedIn);
        }

        // 4. The protected page shows who is signed in.
        using var profile = await SendAsync(_profile, cookies, cancellationToken).ConfigureAwait(false);
        if (profile.StatusCode != HttpStatusCode.OK)
        {
            return Unexpected("GET /Profile after sign-in", profile);
        }

        var html = await profile.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        // The page also shows whether the user follows the account, which took the account's global token.
        if (!html.Contains("id=\"subscribe\" data-subscribe=\"1\"", StringComparison.Ordinal))
        {
            return SignInOutcome.Failed("The profile page does not show the follower status (关注状态) WeChat gave.");
        }

        return CheckIdentity(html, user.OpenId);
    }

    /// <summary>Whether the profile page shows exactly the expected openid.</summary>
    public static SignInOutcome CheckIdentity(string profileHtml, string expectedOpenId)
    {
        var shown = OpenIdElement().Match(profileHtml);
        if (!shown.Success)
        {
            return SignInOutcome.Failed("The profile page shows no openid.");
        }

        return shown.Groups[1].Value == expectedOpenId
            ? SignInOutcome.Succeeded
            : SignInOutcome.Crossed($"Began as {expectedOpenId}, ended as {shown.Groups[1].Value}.");
    }

    private async Task<HttpResponseMessage> SendAsync(Uri url, CookieJar? cookies, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        cookies?.AddTo(request);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        cookies?.Collect(response);
        return response;
    }

    private static SignInOutcome Unexpected(string step, HttpResponseMessage response)
        => SignInOutcome.Failed($"{step}: HTTP {(int)response.StatusCode}, Location {response.Headers.Location?.ToString() ?? "(none)"}");

    [GeneratedRegex("<dd id=\"openid\">([^<]*)</dd>")]
    private static partial Regex OpenIdElement();
}
