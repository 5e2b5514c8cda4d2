using System.Net;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Authentication.WeChat.Tests;

/// <summary>
/// <see cref="IWeChatUserTokenService"/>: <c>sns/oauth2/refresh_token</c> and <c>sns/auth</c> with a scheme's AppID,
/// endpoints and backchannel, against answers WeChat gives and answers it should not.
/// </summary>
public sealed class UserTokenServiceTests : IAsyncLifetime
{
    private const string RefreshToken = "REFRESH_user_token_0123456789";
    private const string AccessToken = "ACCESS_user_token_0123456789";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.FromHours(8)));
    private WeChatTestHost _host = null!;

    private IWeChatUserTokenService Service => _host.App.Services.GetRequiredService<IWeChatUserTokenService>();

    public async Task InitializeAsync()
        => _host = await WeChatTestHost.StartAsync(services: s => s.AddSingleton<TimeProvider>(_time));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_refresh_sends_the_appid_and_refresh_token_without_the_secret_and_returns_the_renewed_tokens()
    {
        Answer("/sns/oauth2/refresh_token", $$"""{"access_token":"ACCESS_renewed_1","expires_in":7200,"refresh_token":"REFRESH_next_1","openid":"{{FakeWeChatUser.Alice.OpenId}}","scope":"snsapi_userinfo"}""");

        var renewed = await Service.RefreshAsync(RefreshToken, FakeWeChatUser.Alice.OpenId);

        Assert.Equal("ACCESS_renewed_1", renewed.AccessToken);
        Assert.Equal("REFRESH_next_1", renewed.RefreshToken);
        Assert.Equal(FakeWeChatUser.Alice.OpenId, renewed.OpenId);
        Assert.Equal("snsapi_userinfo", renewed.Scope);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromHours(2), renewed.ExpiresAt);
        var query = QueryHelpers.ParseQuery(Assert.Single(_host.Fake.Requests, r => r.AbsolutePath == "/sns/oauth2/refresh_token").Query);
        Assert.Equal(FakeWeChat.AppId, query["appid"]);
        Assert.Equal("refresh_token", query["grant_type"]);
        Assert.Equal(RefreshToken, query["refresh_token"]);
        Assert.False(query.ContainsKey("secret"));
    }

    [Theory]
    [InlineData(40030)]
    [InlineData(42002)]
    [InlineData(42007)]
    public async Task A_refresh_token_WeChat_no_longer_takes_asks_for_a_new_authorization(int errorCode)
    {
        Answer("/sns/oauth2/refresh_token", $$"""{"errcode":{{errorCode}},"errmsg":"refresh_token refused"}""");

        var failure = await Assert.ThrowsAsync<WeChatApiException>(() => Service.RefreshAsync(RefreshToken, FakeWeChatUser.Alice.OpenId));

        Assert.Equal(WeChatFailureKind.ReauthorizationRequired, failure.Kind);
        Assert.Equal(errorCode, failure.ErrorCode);
        Assert.Contains("sign in again", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(RefreshToken, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(RefreshToken, _host.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refresh_answered_for_another_user_is_refused()
    {
        Answer("/sns/oauth2/refresh_token", $$"""{"access_token":"ACCESS_someone_else","expires_in":7200,"refresh_token":"REFRESH_x","openid":"{{FakeWeChatUser.Bob.OpenId}}","scope":"snsapi_userinfo"}""");

        var failure = await Assert.ThrowsAsync<WeChatApiException>(() => Service.RefreshAsync(RefreshToken, FakeWeChatUser.Alice.OpenId));

        Assert.Equal(WeChatFailureKind.InvalidResponse, failure.Kind);
        Assert.DoesNotContain("ACCESS_someone_else", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"access_token":"ACCESS_1","refresh_token":"REFRESH_1","openid":"OPENID"}""")]
    [InlineData("""{"access_token":"ACCESS_1","expires_in":"7200","refresh_token":"REFRESH_1","openid":"OPENID"}""")]
    [InlineData("""{"access_token":"ACCESS_1","expires_in":0,"refresh_token":"REFRESH_1","openid":"OPENID"}""")]
    [InlineData("""{"access_token":"ACCESS_1","expires_in":2147483647,"refresh_token":"REFRESH_1","openid":"OPENID"}""")]
    [InlineData("""{"expires_in":7200,"refresh_token":"REFRESH_1","openid":"OPENID"}""")]
    [InlineData("""{"access_token":["ACCESS_1"],"expires_in":7200,"openid":"OPENID"}""")]
    [InlineData("""[1,2,3]""")]
    [InlineData("""<html>502 Bad Gateway</html>""")]
    public async Task A_malformed_refresh_answer_is_an_invalid_response(string body)
    {
        Answer("/sns/oauth2/refresh_token", body.Replace("OPENID", FakeWeChatUser.Alice.OpenId, StringComparison.Ordinal));

        var failure = await Assert.ThrowsAsync<WeChatApiException>(() => Service.RefreshAsync(RefreshToken, FakeWeChatUser.Alice.OpenId));

        Assert.Equal(WeChatFailureKind.InvalidResponse, failure.Kind);
    }

    [Fact]
    public async Task A_renewed_token_without_a_new_refresh_token_keeps_the_one_used()
    {
        Answer("/sns/oauth2/refresh_token", $$"""{"access_token":"ACCESS_renewed_2","expires_in":7200,"openid":"{{FakeWeChatUser.Alice.OpenId}}"}""");

        var renewed = await Service.RefreshAsync(RefreshToken, FakeWeChatUser.Alice.OpenId);

        Assert.Equal(RefreshToken, renewed.RefreshToken);
        Assert.Null(renewed.Scope);
    }

    [Fact]
    public async Task Sns_auth_says_yes_for_errcode_0_with_the_token_and_openid_in_the_query()
    {
        Answer("/sns/auth", """{"errcode":0,"errmsg":"ok"}""");

        Assert.True(await Service.IsValidAsync(AccessToken, FakeWeChatUser.Alice.OpenId));

        var query = QueryHelpers.ParseQuery(Assert.Single(_host.Fake.Requests, r => r.AbsolutePath == "/sns/auth").Query);
        Assert.Equal(AccessToken, query["access_token"]);
        Assert.Equal(FakeWeChatUser.Alice.OpenId, query["openid"]);
    }

    [Theory]
    [InlineData(40001)]
    [InlineData(40003)]
    [InlineData(40014)]
    [InlineData(42001)]
    public async Task Sns_auth_says_no_for_an_invalid_expired_or_other_users_token_without_a_warning(int errorCode)
    {
        Answer("/sns/auth", $$"""{"errcode":{{errorCode}},"errmsg":"invalid"}""");

        Assert.False(await Service.IsValidAsync(AccessToken, FakeWeChatUser.Alice.OpenId));

        Assert.DoesNotContain(_host.Logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task Sns_auth_that_cannot_tell_throws_instead_of_guessing()
    {
        Answer("/sns/auth", """{"errcode":-1,"errmsg":"system error"}""");

        var failure = await Assert.ThrowsAsync<WeChatApiException>(() => Service.IsValidAsync(AccessToken, FakeWeChatUser.Alice.OpenId));

        Assert.Equal(WeChatFailureKind.WeChatBusy, failure.Kind);
        Assert.DoesNotContain(AccessToken, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(AccessToken, _host.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scheme_that_is_not_a_WeChat_sign_in_is_named_in_the_error()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => Service.RefreshAsync(RefreshToken, FakeWeChatUser.Alice.OpenId, "Cookies"));

        Assert.Contains("'Cookies' is not a WeChat sign-in scheme", failure.Message, StringComparison.Ordinal);
    }

    private void Answer(string path, string body)
        => _host.Fake.OtherApis = request => request.RequestUri!.AbsolutePath == path && request.Method == HttpMethod.Get
            ? FakeWeChat.Json(body)
            : new HttpResponseMessage(HttpStatusCode.NotFound);
}
