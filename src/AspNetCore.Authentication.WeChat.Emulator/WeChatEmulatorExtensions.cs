using AspNetCore.Authentication.WeChat;
using AspNetCore.Authentication.WeChat.Emulator;
using AspNetCore.Authentication.WeChat.Emulator.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adds the local WeChat emulator to an app.
/// </summary>
public static class WeChatEmulatorExtensions
{
    /// <summary>
    /// Registers the WeChat emulator. Every WeChat scheme whose AppId is empty then signs in against it; schemes with
    /// an AppId are left alone. Outside the Development environment the app refuses to start unless
    /// <see cref="WeChatEmulatorOptions.AllowOutsideDevelopment"/> is set.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the emulator.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddWeChatEmulator(this IServiceCollection services, Action<WeChatEmulatorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<WeChatEmulatorOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WeChatEmulator>();
        services.TryAddSingleton<WeChatEmulatorUsage>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WeChatEmulatorUsage>(static sp => sp.GetRequiredService<WeChatEmulatorUsage>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<WeChatAuthenticationOptions>, WeChatEmulatorPostConfigureOptions>());
        return services;
    }

    /// <summary>
    /// Serves the emulator's WeChat-compatible endpoints under <see cref="WeChatEmulatorOptions.PathPrefix"/>:
    /// <c>connect/oauth2/authorize</c> (consent page), <c>sns/oauth2/access_token</c> and <c>sns/userinfo</c>.
    /// </summary>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <returns>The group of the emulator's endpoints.</returns>
    public static RouteGroupBuilder MapWeChatEmulator(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var emulator = endpoints.ServiceProvider.GetRequiredService<WeChatEmulator>();
        WeChatEmulatorGuard.EnsureAllowed(endpoints.ServiceProvider.GetRequiredService<IHostEnvironment>(), emulator.Options);
        var html = HtmlEncoder.Create(UnicodeRanges.All);

        var usage = endpoints.ServiceProvider.GetRequiredService<WeChatEmulatorUsage>();
        var group = endpoints.MapGroup(emulator.Options.PathPrefix);
        // Nothing is served while no scheme signs in against the emulator (an app with a real AppId): otherwise its
        // authorize page would be an open redirect on the app's own origin.
        group.AddEndpointFilter(async (context, next) => await usage.IsServingAsync().ConfigureAwait(false) ? await next(context).ConfigureAwait(false) : Results.NotFound());
        group.MapGet("/connect/oauth2/authorize", (HttpContext context) =>
        {
            var rawQuery = context.Request.QueryString.Value ?? "";
            if (CheckAuthorize(emulator, rawQuery, context.Request, out var error) is not { } request)
            {
                return Results.Content(WeChatEmulatorPages.Error(error!, html), "text/html; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
            }

            // Like WeChat, snsapi_base authorizes silently: no page, straight back with a code.
            return request.Scope == "snsapi_base" || emulator.Options.SilentAuthorization
                ? Results.Redirect(WeChatEmulator.CallbackUrl(request, emulator.IssueCode(emulator.Options.Users[0], request.Scope, BaseUrl(context))))
                : Results.Content(WeChatEmulatorPages.Consent(emulator.Options, rawQuery, request.Scope, BaseUrl(context), html), "text/html; charset=utf-8");
        });
        group.MapPost("/connect/oauth2/authorize", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            if (CheckAuthorize(emulator, form["query"].ToString(), context.Request, out var error) is not { } request)
            {
                return Results.Content(WeChatEmulatorPages.Error(error!, html), "text/html; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
            }

            if (form["decision"] != "allow")
            {
                // WeChat's documented refusal: back to redirect_uri with state and no code.
                return Results.Redirect(WeChatEmulator.CallbackUrl(request, code: null));
            }

            if (!int.TryParse(form["user"], System.Globalization.CultureInfo.InvariantCulture, out var index) || index < 0 || index >= emulator.Options.Users.Count)
            {
                return Results.Content(WeChatEmulatorPages.Error("请选择一个测试用户 / Choose a test user.", html), "text/html; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
            }

            return Results.Redirect(WeChatEmulator.CallbackUrl(request, emulator.IssueCode(emulator.Options.Users[index], request.Scope, BaseUrl(context))));
        }).DisableAntiforgery();
        group.MapGet("/sns/oauth2/access_token", async (HttpContext context) =>
        {
            var query = context.Request.Query;
            var body = await emulator.ExchangeCodeAsync(query["appid"], query["secret"], query["code"], query["grant_type"], context.RequestAborted).ConfigureAwait(false);
            return Results.Text(body, WeChatEmulator.ContentType);
        });
        group.MapGet("/sns/userinfo", (HttpContext context) =>
            Results.Text(emulator.GetUserInfo(context.Request.Query["access_token"], context.Request.Query["openid"]), WeChatEmulator.ContentType));
        group.MapGet("/mmopen/{openid}/{size:int}", (string openid) =>
            Results.Text(emulator.DrawAvatar(openid), "image/svg+xml; charset=utf-8"));
        return group;
    }

    private static WeChatEmulator.AuthorizeRequest? CheckAuthorize(WeChatEmulator emulator, string rawQuery, HttpRequest http, out string? error)
    {
        var request = emulator.CheckAuthorize(rawQuery, out error);
        if (request is not null && !emulator.IsAllowedRedirect(request.RedirectUri, http.Scheme, http.Host.ToUriComponent()))
        {
            // WeChat only redirects to the account's registered web authorization domain (网页授权域名).
            error = "10003 redirect_uri域名与后台配置不一致 / redirect_uri must be on this app's own origin, or a host of WeChatEmulator:RedirectDomains";
            return null;
        }

        return request;
    }

    // Where the browser reached the emulator: its origin, the app's path base and the emulator's prefix.
    private static string BaseUrl(HttpContext context)
        => string.Concat(context.Request.Scheme, "://", context.Request.Host.ToUriComponent(), context.Request.PathBase.ToUriComponent(),
            context.Request.Path.ToUriComponent()[..^"/connect/oauth2/authorize".Length]);
}
