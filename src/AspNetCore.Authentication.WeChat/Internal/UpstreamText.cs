using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Makes text that came from WeChat (or from something posing as it) safe to keep: bounded, one line, and
/// without the server addresses WeChat puts in some error messages.
/// </summary>
internal static partial class UpstreamText
{
    /// <summary>The longest <c>errmsg</c> kept; WeChat's are well under 200 characters.</summary>
    public const int MaxErrorMessageLength = 256;

    private static readonly SearchValues<char> Unclean = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(i => (char)i), .. Enumerable.Range(0x7f, 0x21).Select(i => (char)i),
         '\u2028', '\u2029', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069']);

    private static readonly SearchValues<char> WeChatIdCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    /// <summary>
    /// Whether <paramref name="value"/> has the form of a WeChat openid or unionid: letters, digits, '-' and '_'
    /// (they are base64url-like, 28 characters today), at most <paramref name="maxLength"/> characters.
    /// </summary>
    public static bool IsWeChatId(string? value, int maxLength)
        => value is { Length: > 0 } && value.Length <= maxLength && !value.AsSpan().ContainsAnyExcept(WeChatIdCharacters);

    /// <summary>Whether every character is printable ASCII, as WeChat's tokens and URLs are.</summary>
    public static bool IsPrintableAscii(string value)
    {
        foreach (var c in value)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// An <c>errmsg</c> as it may be kept: one line of plain text (see <see cref="Clean"/>), IP addresses redacted
    /// (WeChat's 40164 message carries the server's outbound address, which must reach no browser and no log), at most
    /// <see cref="MaxErrorMessageLength"/> characters. Addresses are redacted before the text is cut, so that a cut
    /// cannot leave part of one.
    /// </summary>
    public static string? SanitizeErrorMessage(string? errmsg)
    {
        if (errmsg is null)
        {
            return null;
        }

        var text = IPv4Address().Replace(Clean(errmsg), "[IP]");
        text = IPv6Address().Replace(text, "[IP]");
        return Truncate(text, MaxErrorMessageLength, MaxErrorMessageLength);
    }

    /// <summary>
    /// Text fit for a claim, a log line or a page: control characters (C0, DEL, C1) and line or paragraph separators
    /// become spaces, and the invisible marks that reorder text (bidirectional overrides and isolates) are removed,
    /// so that a nickname cannot forge a log line or display as something else. Emoji sequences stay whole.
    /// </summary>
    public static string Clean(string value)
    {
        if (!value.AsSpan().ContainsAny(Unclean))
        {
            return value;
        }

        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (IsDirectionMark(c))
            {
                continue;
            }

            builder.Append(char.IsControl(c) || c is '\u2028' or '\u2029' ? ' ' : c);
        }

        return builder.ToString().Trim();
    }

    /// <summary>
    /// The first <paramref name="maxCharacters"/> user-perceived characters (text elements) of <paramref name="value"/>,
    /// never more than <paramref name="maxLength"/> UTF-16 code units, and never splitting a character.
    /// </summary>
    public static string Truncate(string value, int maxCharacters, int maxLength)
    {
        if (value.Length <= maxCharacters)
        {
            return value;
        }

        var end = 0;
        for (var count = 0; count < maxCharacters && end < value.Length; count++)
        {
            var next = StringInfo.GetNextTextElementLength(value, end);
            if (end + next > maxLength)
            {
                // One "character" with thousands of combining marks: cut it, keeping surrogate pairs whole.
                if (end == 0)
                {
                    end = maxLength;
                    if (char.IsHighSurrogate(value[end - 1]))
                    {
                        end--;
                    }
                }

                break;
            }

            end += next;
        }

        return value[..end];
    }

    private static bool IsDirectionMark(char c) => c is '\u200e' or '\u200f' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069');

    // Deliberately loose: whatever looks like an address goes, glued to words or punctuation or not. A clock time
    // such as 12:34:56 is redacted too, which is a price worth paying.
    [GeneratedRegex(@"\d{1,3}(?:\.\d{1,3}){3}")]
    private static partial Regex IPv4Address();

    [GeneratedRegex(@"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:%[0-9A-Za-z]+)?")]
    private static partial Regex IPv6Address();
}
