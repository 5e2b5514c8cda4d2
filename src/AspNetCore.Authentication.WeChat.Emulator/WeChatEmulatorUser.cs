using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using AspNetCore.Authentication.WeChat.Emulator.Internal;

namespace AspNetCore.Authentication.WeChat.Emulator;

/// <summary>
/// A test user of the WeChat emulator: one person of its Open Platform account, who has an openid in each of its three
/// apps (the official account, the mini-program and the website) and one unionid across them.
/// </summary>
public sealed class WeChatEmulatorUser
{
    /// <summary>Gets or sets the openid in the official account (the one the consent page lists).</summary>
    public string OpenId { get; set; } = "";

    /// <summary>
    /// Gets or sets the openid in the mini-program, which <c>sns/jscode2session</c> answers: WeChat gives a person a
    /// different openid in every app, and only the unionid ties them together.
    /// </summary>
    /// <remarks>
    /// When empty (the default), one is derived from <see cref="OpenId"/>: <c>oMp</c> and 25 characters of
    /// <c>[A-Za-z0-9_-]</c>, 28 in all like WeChat's, the same on every start.
    /// </remarks>
    public string MiniProgramOpenId
    {
        get => string.IsNullOrEmpty(field) ? DeriveOpenId("mini-program:", "oMp", OpenId) : field;
        set => field = value;
    }

    /// <summary>
    /// Gets or sets the openid in the website app (网站应用), which <c>sns/oauth2/access_token</c> and
    /// <c>sns/userinfo</c> answer after a QR login: another app, so another openid; the unionid is the same.
    /// </summary>
    /// <remarks>
    /// When empty (the default), one is derived from <see cref="OpenId"/>: <c>oWb</c> and 25 characters of
    /// <c>[A-Za-z0-9_-]</c>, 28 in all like WeChat's, the same on every start.
    /// </remarks>
    public string WebsiteOpenId
    {
        get => string.IsNullOrEmpty(field) ? DeriveOpenId("website:", "oWb", OpenId) : field;
        set => field = value;
    }

    /// <summary>
    /// Gets or sets the phone number bound to the user's WeChat account, without country code (<c>purePhoneNumber</c>,
    /// for example <c>13800138000</c>), or <see langword="null"/> (the default) for a user without one: the mini-program
    /// then cannot get a phone-number code for them.
    /// </summary>
    public string? PhoneNumber { get; set; }

    /// <summary>Gets or sets the country code of <see cref="PhoneNumber"/>.</summary>
    /// <remarks>Defaults to <c>86</c>.</remarks>
    public string CountryCode { get; set; } = "86";

    /// <summary>
    /// Gets or sets whether WeChat rates the user high-risk: <c>sns/jscode2session</c> then answers 40226
    /// ("code blocked") for their codes, as WeChat blocks such users' mini-program sign-in.
    /// </summary>
    public bool IsHighRisk { get; set; }

    /// <summary>Gets or sets the unionid, or <see langword="null"/> for a user WeChat returns none for.</summary>
    public string? UnionId { get; set; }

    /// <summary>Gets or sets the nickname.</summary>
    public string Nickname { get; set; } = "";

    /// <summary>
    /// Gets or sets the avatar URL (<c>headimgurl</c>), an absolute http or https URL. When empty (the default), the
    /// emulator draws one and serves it itself, so that it works offline.
    /// </summary>
    public string HeadImageUrl { get; set; } = "";

    /// <summary>
    /// Gets or sets an <c>errcode</c> the token endpoint (<c>sns/oauth2/access_token</c>) and <c>sns/jscode2session</c>
    /// answer for this user instead of a token or a session, to try an app's error page (e.g. -1, "system error").
    /// </summary>
    public int? TokenErrorCode { get; set; }

    /// <summary>
    /// Gets or sets how long the token endpoint and <c>sns/jscode2session</c> wait before answering for this user, to try
    /// timeouts.
    /// </summary>
    public TimeSpan TokenDelay { get; set; }

    /// <summary>
    /// Gets or sets whether the user follows the official account: <c>cgi-bin/user/info</c> then answers
    /// <c>subscribe: 1</c> with the unionid, otherwise <c>subscribe: 0</c> and nothing else, as WeChat does.
    /// </summary>
    public bool Subscribed { get; set; }

    /// <summary>
    /// Gets or sets a note shown next to the user on the consent page, the QR login page and the mini-program simulator.
    /// </summary>
    public string? Description { get; set; }

    /// <summary>The user's openid in one of the emulator's apps.</summary>
    internal string OpenIdIn(WeChatEmulatorApp app) => app switch
    {
        WeChatEmulatorApp.MiniProgram => MiniProgramOpenId,
        WeChatEmulatorApp.Website => WebsiteOpenId,
        _ => OpenId,
    };

    /// <summary>An openid of the user in another app: a prefix, and 25 characters of a hash of the app and OpenId.</summary>
    private static string DeriveOpenId(string app, string prefix, string openId)
        => prefix + Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(app + openId)))[..25];
}
