namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>The three apps of the emulated Open Platform account.</summary>
internal enum WeChatEmulatorApp
{
    /// <summary>The official account (<see cref="WeChatEmulatorOptions.AppId"/>).</summary>
    OfficialAccount,

    /// <summary>The mini-program (<see cref="WeChatEmulatorOptions.MiniProgramAppId"/>).</summary>
    MiniProgram,

    /// <summary>The website app, 网站应用 (<see cref="WeChatEmulatorOptions.WebsiteAppId"/>): QR login only.</summary>
    Website,
}
