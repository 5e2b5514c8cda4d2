using System.Net;

namespace AspNetCore.Authentication.WeChat.Tests.Infrastructure;

/// <summary>
/// A browser over a TestServer: keeps cookies, does not follow redirects, so each hop can be asserted.
/// </summary>
public sealed class TestBrowser(HttpClient client)
{
    public CookieContainer Cookies { get; } = new();

    public async Task<HttpResponseMessage> GetAsync(string url, Action<HttpRequestMessage>? configure = null)
    {
        var uri = new Uri(client.BaseAddress!, url);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        var cookieHeader = Cookies.GetCookieHeader(uri);
        if (cookieHeader.Length > 0)
        {
            request.Headers.Add("Cookie", cookieHeader);
        }

        configure?.Invoke(request);
        var response = await client.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (var setCookie in setCookies)
            {
                Cookies.SetCookies(uri, setCookie);
            }
        }

        return response;
    }

    public void DeleteCookies(Func<string, bool> namePredicate)
    {
        foreach (Cookie cookie in Cookies.GetAllCookies())
        {
            if (namePredicate(cookie.Name))
            {
                cookie.Expired = true;
            }
        }
    }
}
