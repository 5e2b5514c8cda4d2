using AspNetCore.Authentication.WeChat;
using AspNetCore.Authentication.WeChat.MiniProgram;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Routing;

/// <summary>
/// Maps the sign-in endpoints of a WeChat mini-program.
/// </summary>
public static class WeChatMiniProgramEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>POST {pattern}</c>, which takes <c>{"code":"…"}</c> from <c>wx.login</c>, exchanges it once with WeChat
    /// and signs the user in (answering the bearer tokens by default), and <c>POST {pattern}/refresh</c>, which takes
    /// <c>{"refreshToken":"…"}</c> and answers new tokens, or 401. Failures are problem details (<see cref="WeChatProblems"/>).
    /// </summary>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <param name="pattern">The path; <see cref="WeChatMiniProgramDefaults.SignInPath"/> by default.</param>
    /// <param name="name">The mini-program's name (<c>AddWeChatMiniProgram(name, …)</c>).</param>
    /// <returns>The group of both endpoints, to add conventions to (a rate limit, for example).</returns>
    public static RouteGroupBuilder MapWeChatMiniProgramSignIn(this IEndpointRouteBuilder endpoints, string pattern = WeChatMiniProgramDefaults.SignInPath, string name = WeChatMiniProgramDefaults.Name)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var miniProgram = endpoints.ServiceProvider.GetKeyedService<WeChatMiniProgram>(name)
            ?? throw new InvalidOperationException($"No WeChat mini-program named '{name}' was added: call AddAuthentication().AddWeChatMiniProgram(\"{name}\", …) first.");

        var group = endpoints.MapGroup(pattern);

        group.MapPost("", async context => await (await WeChatMiniProgramEndpoints.SignInAsync(context, miniProgram).ConfigureAwait(false)).ExecuteAsync(context).ConfigureAwait(false))
            .AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        group.MapPost("/refresh", async context => await (await WeChatMiniProgramEndpoints.RefreshAsync(context, miniProgram).ConfigureAwait(false)).ExecuteAsync(context).ConfigureAwait(false))
            .AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        return group;
    }
}
