namespace LoadDriver;

/// <summary>Which sign-in the virtual users do (<c>--flow</c>).</summary>
internal enum LoadFlow
{
    /// <summary>The browser's: five requests to the app, redirects through WeChat's authorize page (<see cref="SignInFlow"/>).</summary>
    Web,

    /// <summary>The mini-program's: a wx.login code POSTed to the app, then one API call with the bearer token (<see cref="MiniProgramSignInFlow"/>).</summary>
    MiniProgram,
}
