using System.Globalization;
using AspNetCore.Authentication.WeChat.Emulator.Internal;

namespace AspNetCore.Authentication.WeChat.Emulator.Apis;

/// <summary>
/// <c>GET /mmopen/{openid}/{size}</c>: a test user's avatar, as WeChat's image servers serve <c>headimgurl</c>: the
/// first character of the nickname on a colour picked by the openid, drawn here so that it works offline.
/// </summary>
internal static class AvatarApi
{
    private static readonly string[] Colors = ["#07c160", "#1485ee", "#fa5151", "#ffc300", "#6467f0"];

    public static Task<WeChatEmulatorResponse> HandleAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
    {
        var openId = request.RouteValues.GetValueOrDefault("openid") ?? "";
        var user = emulator.Options.Users.FirstOrDefault(u => u.OpenId == openId);
        var letter = user is { Nickname.Length: > 0 } ? user.Nickname[..StringInfo.GetNextTextElementLength(user.Nickname)] : "微";
        var color = Colors[(int)((uint)string.GetHashCode(openId, StringComparison.Ordinal) % (uint)Colors.Length)];
        return Task.FromResult(WeChatEmulatorResponse.Svg(
            $"<svg xmlns='http://www.w3.org/2000/svg' width='132' height='132'><rect width='132' height='132' fill='{color}'/><text x='66' y='88' font-size='64' text-anchor='middle' fill='white' font-family='sans-serif'>{System.Security.SecurityElement.Escape(letter)}</text></svg>"));
    }
}
