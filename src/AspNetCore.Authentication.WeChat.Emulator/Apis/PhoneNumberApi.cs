using System.Globalization;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Emulator.Internal;

namespace AspNetCore.Authentication.WeChat.Emulator.Apis;

/// <summary>
/// <c>POST /wxa/business/getuserphonenumber?access_token=…</c>: exchanges the code of the mini-program's
/// <c>getPhoneNumber</c> button, once, within 5 minutes, for the user's phone number, with the mini-program's global
/// token. The body must be JSON (a form answers 47001); the code in the query instead of the body answers 40029; an
/// <c>openid</c> in the body must be the code's user ("填入后会校验openid和code的绑定关系").
/// https://developers.weixin.qq.com/miniprogram/dev/server/API/user-info/phone-number/api_getphonenumber
/// </summary>
internal static class PhoneNumberApi
{
    public static Task<WeChatEmulatorResponse> RequirePostAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
        => Task.FromResult(WeChatEmulatorJson.Error(43002, "require POST method"));

    public static Task<WeChatEmulatorResponse> HandleAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
        => Task.FromResult(Handle(emulator, request));

    private static WeChatEmulatorResponse Handle(WeChatEmulator emulator, WeChatEmulatorRequest request)
    {
        if (WeChatEmulatorMiniProgramToken.Check(emulator, request) is { } refusal)
        {
            return refusal;
        }

        string? code = null, openId = null;
        if (!request.Body.IsEmpty && WeChatEmulatorJson.ReadObject(request.Body, root =>
            {
                code = WeChatEmulatorJson.Text(root, "code");
                openId = WeChatEmulatorJson.Text(root, "openid");
            }) is { } malformed)
        {
            return malformed;
        }

        // WeChat has no "code been used" here: a spent code, like an unknown one, is an invalid code.
        if (code is not { Length: > 0 } || emulator.PeekPhoneNumberCode(code) is not { } owner
            || (openId is not null && openId != owner.MiniProgramOpenId)
            || emulator.RedeemPhoneNumberCode(code, out _) is not { PhoneNumber: { Length: > 0 } phone } user)
        {
            return WeChatEmulatorJson.Error(40029, "invalid code");
        }

        // countryCode is documented as a string, but WeChat's example (and WeChat) answers a number.
        object countryCode = int.TryParse(user.CountryCode, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : user.CountryCode;
        return WeChatEmulatorJson.Answer(new Dictionary<string, object>
        {
            ["errcode"] = 0,
            ["errmsg"] = "ok",
            ["phone_info"] = new Dictionary<string, object>
            {
                // phoneNumber carries the country code for numbers outside mainland China ("国外手机号会有区号").
                ["phoneNumber"] = user.CountryCode == "86" ? phone : $"+{user.CountryCode}{phone}",
                ["purePhoneNumber"] = phone,
                ["countryCode"] = countryCode,
                ["watermark"] = emulator.Watermark(),
            },
        });
    }
}
