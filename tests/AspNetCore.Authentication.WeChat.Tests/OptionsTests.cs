using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Tests;

public class OptionsTests
{
    [Fact]
    public void AppId_and_AppSecret_are_ClientId_and_ClientSecret()
    {
        var options = new WeChatAuthenticationOptions { AppId = "wxA", AppSecret = "S" };
        Assert.Equal("wxA", options.ClientId);
        Assert.Equal("S", options.ClientSecret);

        options.ClientId = "wxB";
        Assert.Equal("wxB", options.AppId);
    }

    [Fact]
    public void Defaults_are_WeChats()
    {
        var options = new WeChatAuthenticationOptions();

        Assert.Equal("/signin-wechat", options.CallbackPath);
        Assert.Equal("https://open.weixin.qq.com/connect/oauth2/authorize", options.AuthorizationEndpoint);
        Assert.Equal("https://api.weixin.qq.com/sns/oauth2/access_token", options.TokenEndpoint);
        Assert.Equal("https://api.weixin.qq.com/sns/userinfo", options.UserInformationEndpoint);
        Assert.Equal("zh_CN", options.Language);
        Assert.Equal(WeChatNameIdentifierSource.OpenId, options.NameIdentifierSource);
        Assert.False(options.ForcePopup);
        Assert.False(options.UsePkce);
        Assert.Equal(SameSiteMode.Lax, options.CorrelationCookie.SameSite);
    }

    [Theory]
    [InlineData("AppId", "", "The 'AppId' option must be provided")]
    [InlineData("AppSecret", "", "The 'AppSecret' option must be provided")]
    [InlineData("AuthorizationEndpoint", "/connect/oauth2/authorize", "The 'AuthorizationEndpoint' option must be an absolute http or https URL")]
    [InlineData("TokenEndpoint", "api.weixin.qq.com/sns/oauth2/access_token", "The 'TokenEndpoint' option must be an absolute http or https URL")]
    [InlineData("UserInformationEndpoint", "ftp://api.weixin.qq.com/sns/userinfo", "The 'UserInformationEndpoint' option must be an absolute http or https URL")]
    [InlineData("Scope", "snsapi_login", "The 'Scope' option must hold exactly one of 'snsapi_userinfo' or 'snsapi_base', but it holds 'snsapi_login'")]
    [InlineData("Scope", "snsapi_base,snsapi_userinfo", "The 'Scope' option must hold exactly one of")]
    [InlineData("PublicOrigin", "https://example.com/app", "The 'PublicOrigin' option must be an absolute http or https origin")]
    [InlineData("BackchannelTimeout", "00:00:00", "The 'BackchannelTimeout' option must be a positive time span")]
    [InlineData("StateStoreTimeout", "-00:00:01", "The 'StateStoreTimeout' option must be a positive time span")]
    [InlineData("Language", " ", "The 'Language' option must be provided")]
    public async Task Misconfiguration_stops_the_app_at_start_up_naming_the_setting(string setting, string value, string message)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Authentication:WeChat:AppId"] = FakeWeChat.AppId,
            ["Authentication:WeChat:AppSecret"] = FakeWeChat.AppSecret,
        };
        if (setting == "Scope")
        {
            var scopes = value.Split(',');
            for (var i = 0; i < scopes.Length; i++)
            {
                configuration[$"Authentication:WeChat:Scope:{i}"] = scopes[i];
            }
        }
        else
        {
            configuration["Authentication:WeChat:" + setting] = value;
        }

        var exception = await Assert.ThrowsAnyAsync<ArgumentException>(() => StartBoundAppAsync(configuration));

        Assert.Contains(message, exception.Message, StringComparison.Ordinal);
        Assert.Equal(setting, exception.ParamName);
        Assert.DoesNotContain(FakeWeChat.AppSecret, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pkce_is_refused_at_start_up()
    {
        var exception = await Assert.ThrowsAsync<ArgumentException>(() => WeChatTestHost.StartAsync(o => o.UsePkce = true));

        Assert.Contains("The 'UsePkce' option must be false", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_whole_options_object_binds_from_a_configuration_section()
    {
        await using var app = await StartBoundAppAsync(new Dictionary<string, string?>
        {
            ["Authentication:WeChat:AppId"] = "wxbound",
            ["Authentication:WeChat:AppSecret"] = "bound-secret",
            ["Authentication:WeChat:Scope:0"] = "snsapi_base",
            ["Authentication:WeChat:Language"] = "en",
            ["Authentication:WeChat:NameIdentifierSource"] = "UnionIdOrOpenId",
            ["Authentication:WeChat:ForcePopup"] = "true",
            ["Authentication:WeChat:PublicOrigin"] = "https://www.example.com",
            ["Authentication:WeChat:AuthorizationEndpoint"] = "http://127.0.0.1:5001/connect/oauth2/authorize",
            ["Authentication:WeChat:TokenEndpoint"] = "http://127.0.0.1:5001/sns/oauth2/access_token",
            ["Authentication:WeChat:UserInformationEndpoint"] = "http://127.0.0.1:5001/sns/userinfo",
            ["Authentication:WeChat:BackchannelTimeout"] = "00:00:07",
            ["Authentication:WeChat:CallbackPath"] = "/auth/wechat",
            ["Authentication:WeChat:StateCacheKeyPrefix"] = "myapp:",
            ["Authentication:WeChat:StateStoreTimeout"] = "00:00:02",
        });

        var options = app.Services.GetRequiredService<IOptionsMonitor<WeChatAuthenticationOptions>>().Get(WeChatAuthenticationDefaults.AuthenticationScheme);

        Assert.Equal("wxbound", options.AppId);
        Assert.Equal("bound-secret", options.ClientSecret);
        Assert.Equal(["snsapi_base"], options.Scope);
        Assert.Equal("en", options.Language);
        Assert.Equal(WeChatNameIdentifierSource.UnionIdOrOpenId, options.NameIdentifierSource);
        Assert.True(options.ForcePopup);
        Assert.Equal("https://www.example.com", options.PublicOrigin);
        Assert.Equal("http://127.0.0.1:5001/connect/oauth2/authorize", options.AuthorizationEndpoint);
        Assert.Equal("http://127.0.0.1:5001/sns/oauth2/access_token", options.TokenEndpoint);
        Assert.Equal("http://127.0.0.1:5001/sns/userinfo", options.UserInformationEndpoint);
        Assert.Equal(TimeSpan.FromSeconds(7), options.BackchannelTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7), options.Backchannel.Timeout);
        Assert.Equal("/auth/wechat", options.CallbackPath);
        Assert.Equal("myapp:", options.StateCacheKeyPrefix);
        Assert.Equal(TimeSpan.FromSeconds(2), options.StateStoreTimeout);
    }

    [Fact]
    public async Task Scope_defaults_to_snsapi_userinfo_after_configuration()
    {
        await using var app = await StartBoundAppAsync(new Dictionary<string, string?>
        {
            ["Authentication:WeChat:AppId"] = "wx1",
            ["Authentication:WeChat:AppSecret"] = "s",
        });

        var options = app.Services.GetRequiredService<IOptionsMonitor<WeChatAuthenticationOptions>>().Get(WeChatAuthenticationDefaults.AuthenticationScheme);

        Assert.Equal(["snsapi_userinfo"], options.Scope);
    }

    [Fact]
    public async Task AddWeChat_overloads_register_the_scheme_names_given()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddAuthentication()
            .AddWeChat()
            .AddWeChat("WeChat2", o => { })
            .AddWeChat("WeChat3", "微信登录", o => { });
        services.Configure<WeChatAuthenticationOptions>(WeChatAuthenticationDefaults.AuthenticationScheme, o => { });
        await using var provider = services.BuildServiceProvider();

        var schemes = provider.GetRequiredService<IAuthenticationSchemeProvider>();
        var wechat = await schemes.GetSchemeAsync("WeChat");
        Assert.Equal(typeof(WeChatAuthenticationHandler), wechat!.HandlerType);
        Assert.Equal("WeChat", wechat.DisplayName);
        Assert.Equal(typeof(WeChatAuthenticationHandler), (await schemes.GetSchemeAsync("WeChat2"))!.HandlerType);
        Assert.Equal("微信登录", (await schemes.GetSchemeAsync("WeChat3"))!.DisplayName);
    }

    [Fact]
    public void AddWeChat_with_an_options_action_uses_the_default_scheme()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddAuthentication().AddWeChat(o =>
        {
            o.AppId = "wxdefault";
            o.AppSecret = "secret";
        });
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<WeChatAuthenticationOptions>>();
        Assert.Equal("wxdefault", options.Get(WeChatAuthenticationDefaults.AuthenticationScheme).AppId);
    }

    [Fact]
    public void The_backchannel_pool_recycles_connections_and_an_apps_own_handler_survives_a_second_scheme()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddAuthentication().AddWeChat(o => { });
        using (var provider = services.BuildServiceProvider())
        {
            var handler = Assert.IsType<SocketsHttpHandler>(PrimaryHandler(provider));
            Assert.InRange(handler.PooledConnectionLifetime, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10));
        }

        using var own = new HttpClientHandler();
        services.AddHttpClient(WeChatAuthenticationDefaults.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => own);
        services.AddAuthentication().AddWeChat("WeChat2", o => { });
        using (var provider = services.BuildServiceProvider())
        {
            Assert.Same(own, PrimaryHandler(provider));
        }
    }

    private static HttpMessageHandler PrimaryHandler(IServiceProvider provider)
    {
        var builder = provider.GetRequiredService<Microsoft.Extensions.Http.HttpMessageHandlerBuilder>();
        builder.Name = WeChatAuthenticationDefaults.HttpClientName;
        foreach (var configure in provider.GetRequiredService<IOptionsMonitor<Microsoft.Extensions.Http.HttpClientFactoryOptions>>().Get(builder.Name).HttpMessageHandlerBuilderActions)
        {
            configure(builder);
        }

        return builder.PrimaryHandler;
    }

    private static async Task<WebApplication> StartBoundAppAsync(Dictionary<string, string?> configuration)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddAuthentication().AddCookie().AddWeChat(o => builder.Configuration.GetSection("Authentication:WeChat").Bind(o));
        var app = builder.Build();
        await app.StartAsync();
        return app;
    }
}
