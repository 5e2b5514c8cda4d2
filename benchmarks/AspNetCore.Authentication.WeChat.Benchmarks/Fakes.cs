namespace AspNetCore.Authentication.WeChat.Benchmarks;

/// <summary>
/// The same user as WeChat (GET APIs, <c>text/plain</c> JSON) and as a standard OAuth 2.0 provider
/// (form POST token endpoint, bearer user-info endpoint, <c>application/json</c>) would send them.
/// </summary>
internal static class Fakes
{
    private const string AccessToken = "ACCESS_TOKEN_5o9hD3Wh-lpNeBrQaXq7cyAnOd_dKF3JH1vJQ9d0dNX4HqlMyzGMU2QkL9Oa1vPFnSxXHtwp6kgSP3bH8M";
    private const string RefreshToken = "REFRESH_TOKEN_jL9xKw2pG7vQ-3hRt5sY8uMb1nEc4aZd6fVo0iWgXk-TlPqHrCsNyJmDeBu2Fa7oIh3gLv5wQ9";
    private const string OpenId = "oBench_XiaoMing_6bmasdsad6_2sgVt7hM";
    private const string UnionId = "uBench_XiaoMing_o6_bmasdasdsad6_2sg";
    private const string Avatar = "https://thirdwx.qlogo.cn/mmopen/vi_32/Q0j4TwGTfTLkBX7mKw1HjvOia1E4Rq3w1uVEic6oHBvZ6WLW8Yo7/132";

    public static FakeApiHandler WeChat(string scope) => new("text/plain", new Dictionary<string, string>
    {
        ["/sns/oauth2/access_token"] = $$"""{"access_token":"{{AccessToken}}","expires_in":7200,"refresh_token":"{{RefreshToken}}","openid":"{{OpenId}}","scope":"{{scope}}"{{(scope is "snsapi_userinfo" or "snsapi_login" ? $",\"unionid\":\"{UnionId}\"" : "")}}}""",
        ["/sns/userinfo"] = $$"""{"openid":"{{OpenId}}","nickname":"小明 😀","sex":0,"language":"","city":"","province":"","country":"","headimgurl":"{{Avatar}}","privilege":[],"unionid":"{{UnionId}}"}""",
    });

    /// <summary>WeChat's <c>jscode2session</c>, answering every code for the same user.</summary>
    public static FakeApiHandler MiniProgram() => new("text/plain", new Dictionary<string, string>
    {
        ["/sns/jscode2session"] = $$"""{"openid":"{{OpenId}}","session_key":"tiihtNczf5v6AKRyjwEUhQ==","unionid":"{{UnionId}}"}""",
    });

    public static FakeApiHandler StandardOAuth() => new("application/json", new Dictionary<string, string>
    {
        ["/oauth/token"] = $$"""{"access_token":"{{AccessToken}}","token_type":"Bearer","expires_in":7200,"refresh_token":"{{RefreshToken}}","scope":"profile","id":"{{OpenId}}"}""",
        ["/userinfo"] = $$"""{"id":"{{OpenId}}","name":"小明 😀","sex":0,"language":"","city":"","province":"","country":"","picture":"{{Avatar}}","privilege":[],"unionid":"{{UnionId}}"}""",
    });
}
