using Microsoft.AspNetCore.Http;

namespace AspNetCore.Authentication.WeChat.Benchmarks;

/// <summary>What a request through <see cref="InMemoryServer"/> answered.</summary>
/// <param name="StatusCode">The status code.</param>
/// <param name="Headers">The response headers.</param>
internal readonly record struct InMemoryResponse(int StatusCode, IHeaderDictionary Headers)
{
    public string Location => Headers.Location.ToString();

    /// <summary>The <c>name=value</c> pairs of the response's Set-Cookie headers, as a request Cookie header.</summary>
    public string Cookies => string.Join("; ", Headers.SetCookie.Select(c => c!.Split(';', 2)[0]));

    /// <summary>Throws unless the response is a redirect, with a Set-Cookie named as given when asked.</summary>
    public InMemoryResponse EnsureRedirect(string? setsCookie = null)
    {
        if (StatusCode != StatusCodes.Status302Found
            || (setsCookie is not null && !Headers.SetCookie.Any(c => c!.StartsWith(setsCookie, StringComparison.Ordinal))))
        {
            throw new InvalidOperationException($"Expected a 302{(setsCookie is null ? "" : " setting " + setsCookie)}, got {StatusCode} to '{Location}' with cookies '{Headers.SetCookie}'.");
        }

        return this;
    }
}
