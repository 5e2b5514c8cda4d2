using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Makes the return URL an app hands to the challenge fit for the <c>Location</c> header it ends up in.
/// </summary>
internal static class ReturnUrl
{
    /// <summary>The longest return URL (once encoded) a challenge accepts; anything longer is answered 400.</summary>
    public const int MaxLength = 2048;

    private const string HexDigits = "0123456789ABCDEF";

    private static readonly SearchValues<char> AsciiPrintable = SearchValues.Create(
        Enumerable.Range(0x21, 0x7f - 0x21).Select(i => (char)i).ToArray());

    /// <summary>
    /// Resolves <c>~/</c> against the path base, as <c>LocalRedirect</c> does, and percent-encodes (as UTF-8) every
    /// character a header cannot carry: non-ASCII ones such as <c>/商品/1</c>, spaces and controls. Kestrel refuses
    /// to send a non-ASCII <c>Location</c>, which would turn the callback into a 500 after the code was spent.
    /// </summary>
    public static string? ToLocation(string? returnUrl, PathString pathBase)
    {
        if (string.IsNullOrEmpty(returnUrl))
        {
            return returnUrl;
        }

        // Not "~//host" or "~/\\host": resolved, they would name another site ("//host"), where as given they are paths of
        // this one, as LocalRedirect's own check treats them.
        if (returnUrl.StartsWith("~/", StringComparison.Ordinal) && (returnUrl.Length == 2 || returnUrl[2] is not ('/' or '\\')))
        {
            returnUrl = pathBase.ToUriComponent() + returnUrl[1..];
        }

        if (!returnUrl.AsSpan().ContainsAnyExcept(AsciiPrintable))
        {
            return returnUrl;
        }

        var builder = new StringBuilder(returnUrl.Length * 3);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in returnUrl.EnumerateRunes())
        {
            if (rune.Value is > 0x20 and < 0x7f)
            {
                builder.Append((char)rune.Value);
                continue;
            }

            var length = rune.EncodeToUtf8(utf8);
            foreach (var b in utf8[..length])
            {
                builder.Append('%').Append(HexDigits[b >> 4]).Append(HexDigits[b & 0xf]);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// Whether a return URL from the browser is a path of this app (<c>/…</c> or <c>~/…</c>), as <c>Url.IsLocalUrl</c>
    /// judges: not <c>//host</c> or <c>/\host</c>, which browsers read as another site, and no control characters.
    /// </summary>
    public static bool IsLocal(string? url)
    {
        if (string.IsNullOrEmpty(url) || url.AsSpan().ContainsAnyInRange((char)0, (char)0x1f) || url.Contains('\x7f'))
        {
            return false;
        }

        if (url[0] == '/')
        {
            return url.Length == 1 || url[1] is not ('/' or '\\');
        }

        return url.Length > 1 && url[0] == '~' && url[1] == '/' && (url.Length == 2 || url[2] is not ('/' or '\\'));
    }
}
