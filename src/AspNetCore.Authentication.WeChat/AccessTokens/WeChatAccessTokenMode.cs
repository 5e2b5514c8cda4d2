namespace AspNetCore.Authentication.WeChat;

/// <summary>Which of WeChat's APIs a token provider gets the global access token from.</summary>
public enum WeChatAccessTokenMode
{
    /// <summary>
    /// <c>POST /cgi-bin/stable_token</c> in normal mode (the default): every caller gets the same token while it is valid,
    /// so instances, or test and production sharing an AppID, never invalidate each other.
    /// https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken
    /// </summary>
    Stable = 0,

    /// <summary>
    /// <c>GET /cgi-bin/token</c>: each call issues a new token and invalidates the previous one after a 5-minute overlap,
    /// so only one refresher may exist per AppID (across a farm, the provider takes a lease on the shared atomic store).
    /// https://developers.weixin.qq.com/doc/service/en/api/base/api_getaccesstoken
    /// </summary>
    Classic = 1,
}
