namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>What one of the emulator's APIs answers, over HTTP or through the in-process backchannel.</summary>
internal sealed record WeChatEmulatorResponse(int StatusCode, string? ContentType, string? Body, string? Location = null)
{
    /// <summary>WeChat's sns APIs answer JSON labelled <c>text/plain</c>, without a charset, always with HTTP 200.</summary>
    public const string WeChatContentType = "text/plain";

    /// <summary>
    /// Gets the sources that may frame an HTML answer (a <c>frame-ancestors</c> list), or null (the default) for
    /// none: the emulator's pages act on a click, so no other site may frame them (clickjacking). The QR login page
    /// inside <c>wxLogin.js</c>'s iframe is framed by the app's own page.
    /// </summary>
    public string? FrameAncestors { get; init; }

    /// <summary>Gets the <c>Cache-Control</c> header, or null for none.</summary>
    public string? CacheControl { get; init; }

    public static WeChatEmulatorResponse Json(string body) => new(200, WeChatContentType, body);

    /// <summary>What the emulator's own browser routes (not WeChat's) answer: plain JSON, with the HTTP status.</summary>
    public static WeChatEmulatorResponse BrowserJson(string body, int statusCode = 200) => new(statusCode, "application/json; charset=utf-8", body);

    public static WeChatEmulatorResponse Html(string body, int statusCode = 200) => new(statusCode, "text/html; charset=utf-8", body);

    public static WeChatEmulatorResponse Svg(string body) => new(200, "image/svg+xml; charset=utf-8", body);

    public static WeChatEmulatorResponse JavaScript(string body) => new(200, "text/javascript; charset=utf-8", body);

    public static WeChatEmulatorResponse Redirect(string url) => new(302, null, null, url);
}
