using System.Text.RegularExpressions;
using AspNetCore.Authentication.WeChat.Emulator.Internal;
using static AspNetCore.Authentication.WeChat.Emulator.Internal.WeChatEmulatorConnectLink;

namespace AspNetCore.Authentication.WeChat.Emulator.Apis;

/// <summary>
/// <c>GET /connect/oauth2/authorize</c>: WeChat's web authorization page, which checks the link strictly and shows the
/// consent sheet; and the emulator's <c>POST</c> of that sheet, which sends the browser back with a code (or without
/// one, when the user refuses). https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html
/// </summary>
internal static partial class AuthorizeApi
{
    public static Task<WeChatEmulatorResponse> ShowAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
    {
        if (Check(emulator, request.RawQuery, request, out var error) is not { } authorize)
        {
            return Task.FromResult(Refuse(error!));
        }

        // Like WeChat, snsapi_base authorizes silently: no page, straight back with a code.
        return Task.FromResult(authorize.Scope == "snsapi_base" || emulator.Options.SilentAuthorization
            ? WeChatEmulatorResponse.Redirect(CallbackUrl(authorize, emulator.IssueCode(emulator.Options.Users[0], authorize.Scope, request.BaseUrl)))
            : WeChatEmulatorResponse.Html(WeChatEmulatorPages.Consent(emulator.Options, request.RawQuery, authorize.Scope, request.BaseUrl!, Html)));
    }

    public static Task<WeChatEmulatorResponse> ConsentAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
    {
        var form = request.ReadForm();
        if (Check(emulator, form.GetValueOrDefault("query") ?? "", request, out var error) is not { } authorize)
        {
            return Task.FromResult(Refuse(error!));
        }

        if (form.GetValueOrDefault("decision") != "allow")
        {
            // WeChat's documented refusal: back to redirect_uri with state and no code.
            return Task.FromResult(WeChatEmulatorResponse.Redirect(CallbackUrl(authorize, code: null)));
        }

        return Task.FromResult(ChosenUser(emulator, form) is { } user
            ? WeChatEmulatorResponse.Redirect(CallbackUrl(authorize, emulator.IssueCode(user, authorize.Scope, request.BaseUrl)))
            : Refuse("请选择一个测试用户 / Choose a test user."));
    }

    /// <summary>
    /// Checks an authorize link's query as WeChat does: the authorize request, or why WeChat would show its
    /// "该链接无法访问" page.
    /// </summary>
    internal static AuthorizeRequest? Check(WeChatEmulator emulator, string rawQuery, WeChatEmulatorRequest http, out string? error)
    {
        var options = emulator.Options;

        // WeChat matches the link against a strict pattern: these parameters, in this order.
        if (options.StrictParameterOrder && !StrictQuery().IsMatch(rawQuery ?? ""))
        {
            error = "参数错误：授权链接的参数必须依次为 appid, redirect_uri, response_type, scope, state。/ The parameters must be appid, redirect_uri, response_type, scope, state, in this order (WeChat matches the link strictly).";
            return null;
        }

        var parameters = Parse(rawQuery);
        var appId = parameters.GetValueOrDefault("appid");
        var redirectUri = parameters.GetValueOrDefault("redirect_uri");
        var scope = parameters.GetValueOrDefault("scope");
        var state = parameters.GetValueOrDefault("state") ?? "";
        error = appId switch
        {
            null or "" => AppIdMissing,
            _ when appId != options.AppId => "10016 appid 无效 / unknown appid: " + appId,
            _ when string.IsNullOrEmpty(redirectUri) => RedirectUriMissing,
            _ when !Uri.TryCreate(redirectUri, UriKind.Absolute, out _) => RedirectUriNotAbsolute,
            _ when parameters.GetValueOrDefault("response_type") != "code" => "response_type 必须为 code / response_type must be code",
            _ when string.IsNullOrEmpty(scope) => ScopeMissing,
            _ when scope is not ("snsapi_base" or "snsapi_userinfo") => "10005 此公众号并没有这些scope的权限 / unsupported scope: " + scope,
            _ when !IsValidState(state) => StateInvalid,
            _ when !IsAllowedRedirect(emulator, redirectUri!, http) => RedirectUriNotAllowed,
            _ => null,
        };
        return error is null ? new AuthorizeRequest(redirectUri!, scope!, state) : null;
    }

    [GeneratedRegex(@"^\?appid=[^&]*&redirect_uri=[^&]*&response_type=[^&]*&scope=[^&]*&state=[^&]*(&forcePopup=(true|false))?$")]
    private static partial Regex StrictQuery();
}
