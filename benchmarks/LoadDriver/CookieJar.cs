namespace LoadDriver;

/// <summary>
/// The app's cookies in one fresh browser: what Set-Cookie stored, sent back as one Cookie header.
/// </summary>
internal sealed class CookieJar
{
    private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);

    public void Collect(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Set-Cookie", out var values))
        {
            return;
        }

        foreach (var setCookie in values)
        {
            var pair = setCookie.AsSpan();
            var end = pair.IndexOf(';');
            if (end >= 0)
            {
                pair = pair[..end];
            }

            var equals = pair.IndexOf('=');
            if (equals <= 0)
            {
                continue;
            }

            var name = pair[..equals].Trim().ToString();
            var value = pair[(equals + 1)..].Trim();

            // ASP.NET Core deletes a cookie by sending it empty and expired.
            if (value.IsEmpty)
            {
                _cookies.Remove(name);
            }
            else
            {
                _cookies[name] = value.ToString();
            }
        }
    }

    public void AddTo(HttpRequestMessage request)
    {
        if (_cookies.Count > 0)
        {
            request.Headers.TryAddWithoutValidation("Cookie", string.Join("; ", _cookies.Select(c => c.Key + "=" + c.Value)));
        }
    }
}
