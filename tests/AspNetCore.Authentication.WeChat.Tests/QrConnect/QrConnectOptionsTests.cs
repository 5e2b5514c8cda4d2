using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Tests.QrConnect;

public class QrConnectOptionsTests
{
    [Fact]
    public void Defaults_are_WeChats_website_login()
    {
        var options = new WeChatQrConnectOptions();

        Assert.Equal("/signin-wechat-qrconnect", options.CallbackPath);
        Assert.Equal("https://open.weixin.qq.com/connect/qrconnect", options.AuthorizationEndpoint);
        Assert.Equal("https://api.weixin.qq.com/sns/oauth2/access_token", options.TokenEndpoint);
        Assert.Equal("https://api.weixin.qq.com/sns/userinfo", options.UserInformationEndpoint);
        Assert.Equal("cn", options.QrCodeLanguage);
        Assert.Equal("https://res.wx.qq.com/connect/zh_CN/htmledition/js/wxLogin.js", options.EmbeddedScriptUrl);
        Assert.Equal("black", options.EmbeddedStyle);
        Assert.Null(options.EmbeddedStylesheet);
        Assert.False(options.EmbeddedSelfRedirect);
    }

    [Theory]
    [InlineData("AppId", "", "The 'AppId' option must be provided: set it to the website app's AppID (for example Authentication:WeChatQrConnect:AppId)")]
    [InlineData("AppSecret", "", "The 'AppSecret' option must be provided: set it to the website app's AppSecret (for example Authentication:WeChatQrConnect:AppSecret")]
    [InlineData("Scope", "snsapi_userinfo", "The 'Scope' option must hold exactly 'snsapi_login' (a website app may ask for nothing else), but it holds 'snsapi_userinfo'")]
    [InlineData("Scope", "snsapi_login,snsapi_userinfo", "The 'Scope' option must hold exactly 'snsapi_login'")]
    [InlineData("AuthorizationEndpoint", "open.weixin.qq.com/connect/qrconnect", "The 'AuthorizationEndpoint' option must be an absolute http or https URL")]
    [InlineData("QrCodeLanguage", "zh_CN", "The 'QrCodeLanguage' option must be 'cn' or 'en', but it is 'zh_CN'")]
    [InlineData("EmbeddedStyle", "red", "The 'EmbeddedStyle' option must be 'black' or 'white'")]
    [InlineData("EmbeddedScriptUrl", "//res.wx.qq.com/wxLogin.js", "The 'EmbeddedScriptUrl' option must be an absolute http or https URL, or a path on the app")]
    [InlineData("EmbeddedScriptUrl", "/\\res.wx.qq.com/wxLogin.js", "The 'EmbeddedScriptUrl' option must be an absolute http or https URL, or a path on the app")]
    [InlineData("EmbeddedScriptUrl", "javascript:alert(1)", "The 'EmbeddedScriptUrl' option must be an absolute http or https URL, or a path on the app")]
    [InlineData("EmbeddedStylesheet", "http://cdn.example.com/qr.css", "The 'EmbeddedStylesheet' option must be null, an https URL or a 'data:text/css;base64,' URL")]
    [InlineData("UsePkce", "true", "The 'UsePkce' option must be false")]
    public async Task Misconfiguration_stops_the_app_at_start_up_naming_the_setting(string setting, string value, string message)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Authentication:WeChatQrConnect:AppId"] = FakeWeChat.WebsiteAppId,
            ["Authentication:WeChatQrConnect:AppSecret"] = FakeWeChat.WebsiteAppSecret,
        };
        if (setting == "Scope")
        {
            var scopes = value.Split(',');
            for (var i = 0; i < scopes.Length; i++)
            {
                configuration[$"Authentication:WeChatQrConnect:Scope:{i}"] = scopes[i];
            }
        }
        else
        {
            configuration["Authentication:WeChatQrConnect:" + setting] = value;
        }

        var exception = await Assert.ThrowsAnyAsync<ArgumentException>(() => StartBoundAppAsync(configuration));

        Assert.Contains(message, exception.Message, StringComparison.Ordinal);
        Assert.Equal(setting, exception.ParamName);
        Assert.DoesNotContain(FakeWeChat.WebsiteAppSecret, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_options_bind_from_their_own_section()
    {
        await using var app = await StartBoundAppAsync(new Dictionary<string, string?>
        {
            ["Authentication:WeChatQrConnect:AppId"] = "wxwebbound",
            ["Authentication:WeChatQrConnect:AppSecret"] = "bound-secret",
            ["Authentication:WeChatQrConnect:AuthorizationEndpoint"] = "http://127.0.0.1:5001/connect/qrconnect",
            ["Authentication:WeChatQrConnect:TokenEndpoint"] = "http://127.0.0.1:5001/sns/oauth2/access_token",
            ["Authentication:WeChatQrConnect:UserInformationEndpoint"] = "http://127.0.0.1:5001/sns/userinfo",
            ["Authentication:WeChatQrConnect:BackchannelTimeout"] = "00:00:07",
            ["Authentication:WeChatQrConnect:QrCodeLanguage"] = "en",
            ["Authentication:WeChatQrConnect:NameIdentifierSource"] = "UnionId",
        });

        var options = app.Services.GetRequiredService<IOptionsMonitor<WeChatQrConnectOptions>>().Get(WeChatQrConnectDefaults.AuthenticationScheme);

        Assert.Equal("wxwebbound", options.AppId);
        Assert.Equal("http://127.0.0.1:5001/connect/qrconnect", options.AuthorizationEndpoint);
        Assert.Equal("http://127.0.0.1:5001/sns/oauth2/access_token", options.TokenEndpoint);
        Assert.Equal("http://127.0.0.1:5001/sns/userinfo", options.UserInformationEndpoint);
        Assert.Equal(TimeSpan.FromSeconds(7), options.BackchannelTimeout);
        Assert.Equal("en", options.QrCodeLanguage);
        Assert.Equal(WeChatNameIdentifierSource.UnionId, options.NameIdentifierSource);
        Assert.Equal(["snsapi_login"], options.Scope);
    }

    private static async Task<WebApplication> StartBoundAppAsync(Dictionary<string, string?> configuration)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddAuthentication().AddCookie()
            .AddWeChatQrConnect(o => builder.Configuration.GetSection("Authentication:WeChatQrConnect").Bind(o));
        var app = builder.Build();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }
}
