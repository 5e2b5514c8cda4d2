namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// What WeChat's common <c>errcode</c>s usually mean for a sign-in, as each API's page documents them (for example
/// https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsaccesstoken) and as they are seen in practice.
/// </summary>
internal static class WeChatErrorCodes
{
    public static string Explain(int errorCode) => errorCode switch
    {
        -1 => "WeChat is busy; please try again in a moment",
        40001 => "the AppSecret is wrong or the access token is invalid; check the 'AppSecret' setting",
        40003 => "the openid does not belong to this official account",
        40013 => "the AppID is not valid; check the 'AppId' setting",
        40014 => "the access token is not valid",
        40029 => "the authorization code is invalid or has expired; please sign in again",
        40125 => "the AppSecret is not valid; check the 'AppSecret' setting",
        40163 => "the authorization code was already used; please sign in again",
        40164 => "this server's IP address is not on the official account's IP whitelist",
        41002 or 41004 or 41008 => "a required parameter was missing from the request to WeChat",
        42001 => "the access token has expired; please sign in again",
        42003 => "the authorization code has expired; please sign in again",
        45011 => "WeChat's rate limit was reached; please try again in a minute",
        48001 => "the official account is not authorized for this API (snsapi_userinfo requires a verified service account)",
        _ => "see WeChat's documentation of this error code",
    };
}
