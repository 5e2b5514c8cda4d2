using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace MvcSample.Models;

/// <summary>
/// A claim's type or value as the profile page shows it. A long http(s) URL is shortened to
/// scheme://host/…/last-segment, with the whole URL kept for a title attribute (and, for a value, a link); any other
/// text is shown as it is. Razor HTML-encodes all three.
/// </summary>
/// <param name="Text">What the table cell shows.</param>
/// <param name="Title">The whole text when <paramref name="Text"/> is shortened; otherwise null (no title attribute).</param>
/// <param name="Href">For a value that is an http(s) URL, the URL to link to; otherwise null (no link).</param>
public sealed record ClaimText(string Text, string? Title, string? Href)
{
    /// <summary>Up to this many characters a URL is shown whole: two short lines in the narrowest table cell.</summary>
    public const int ShortUrlLength = 32;

    /// <summary>A last path segment longer than this is cut, ending in an ellipsis.</summary>
    public const int LastSegmentLength = 20;

    /// <summary>A claim type: the long schemas.xmlsoap.org URIs are shortened, but a type is never a link.</summary>
    public static ClaimText ForType(string type) => Create(type, link: false);

    /// <summary>A claim value: an http(s) URL (and only such a URL) becomes a link, shortened when long.</summary>
    public static ClaimText ForValue(string value) => Create(value, link: true);

    /// <summary>Whether the text is an absolute http or https URL, the only kind the page links to.</summary>
    public static bool IsWebUrl(string text, [NotNullWhen(true)] out Uri? url)
    {
        url = null;
        return (text.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            && Uri.TryCreate(text, UriKind.Absolute, out url)
            && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp);
    }

    /// <summary>scheme://host[:port]/…/last-segment, with ?… or #… when a query or fragment is left out.</summary>
    public static string Shorten(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var shown = new StringBuilder().Append(url.Scheme).Append("://").Append(url.Authority);
        var segments = url.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length > 1)
        {
            shown.Append("/…");
        }

        if (segments.Length > 0)
        {
            var last = segments[^1];
            shown.Append('/').Append(last.Length <= LastSegmentLength ? last : last[..(LastSegmentLength - 1)] + "…");
        }

        if (url.Query.Length > 1)
        {
            shown.Append("?…");
        }
        else if (url.Fragment.Length > 1)
        {
            shown.Append("#…");
        }

        return shown.ToString();
    }

    private static ClaimText Create(string text, bool link)
    {
        if (!IsWebUrl(text, out var url))
        {
            return new(text, null, null);
        }

        var shortened = text.Length > ShortUrlLength;
        return new(shortened ? Shorten(url) : text, shortened ? text : null, link ? text : null);
    }
}
