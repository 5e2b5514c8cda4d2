namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>The checks every flow's options make of their settings, with messages that name the setting.</summary>
internal static class WeChatOptionsChecks
{
    /// <summary>Throws unless <paramref name="endpoint"/> is an absolute http or https URL.</summary>
    /// <param name="endpoint">The setting's value.</param>
    /// <param name="name">The option's name.</param>
    /// <param name="owner">Whose option it is, for the message (for example "of the WeChat access token"), or empty.</param>
    public static void Endpoint(string? endpoint, string name, string owner = "")
    {
        if (string.IsNullOrEmpty(endpoint)
            || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"The '{name}' option{(owner.Length > 0 ? " " + owner : "")} must be an absolute http or https URL, but it is '{endpoint}'.", name);
        }
    }
}
