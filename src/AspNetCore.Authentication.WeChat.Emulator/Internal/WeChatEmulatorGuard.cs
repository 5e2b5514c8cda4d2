using Microsoft.Extensions.Hosting;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

internal static class WeChatEmulatorGuard
{
    /// <summary>Refuses to run the emulator outside Development unless the app opted in explicitly.</summary>
    public static void EnsureAllowed(IHostEnvironment environment, WeChatEmulatorOptions options)
    {
        if (!environment.IsDevelopment() && !options.AllowOutsideDevelopment)
        {
            throw new InvalidOperationException(
                $"The WeChat emulator signs users in as test users, so it only runs in the Development environment, and this is '{environment.EnvironmentName}'. " +
                "Configure Authentication:WeChat:AppId and AppSecret to use real WeChat, or set WeChatEmulator:AllowOutsideDevelopment=true to run the emulator here on purpose.");
        }
    }
}
