namespace AspNetCore.Authentication.WeChat.Tests.Infrastructure;

/// <summary>A WeChat user the fake can sign in.</summary>
public sealed record FakeWeChatUser(
    string OpenId,
    string? UnionId,
    string Nickname,
    string HeadImageUrl,
    int Sex = 0,
    string Province = "",
    string City = "",
    string Country = "",
    string[]? Privileges = null,
    bool IsSnapshotUser = false)
{
    /// <summary>The user's openid in the website app (QR login): another app, another openid.</summary>
    public string WebsiteOpenId => "oWeb" + OpenId[1..];

    /// <summary>A user with a unionid, an emoji and Chinese in the nickname, and (pre-2021 style) gender and region.</summary>
    public static FakeWeChatUser Alice { get; } = new(
        "oAlice_6_bmasdasdsad6_2sgVt7hM", "o6_bmasdasdsad6_2sgVt7hMZOPfL", "小明😀<b>", "https://thirdwx.qlogo.cn/mmopen/alice/132",
        Sex: 2, Province: "广东", City: "广州", Country: "中国", Privileges: ["chinaunicom", "PRIVILEGE2"]);

    /// <summary>A user without unionid, with the blanked gender and region WeChat returns since 2021.</summary>
    public static FakeWeChatUser Bob { get; } = new("oBob_9xk2LmQ7vR3sT8uW1yZ4aB6cD", null, "Bob", "");

    /// <summary>A virtual "snapshot page" user.</summary>
    public static FakeWeChatUser Snapshot { get; } = new("oSnap_virtual000000000000000", "oUnionSnapVirtual0000000000", "微信用户", "", IsSnapshotUser: true);

    /// <summary>A distinct user for concurrency tests.</summary>
    public static FakeWeChatUser Numbered(int i) => new($"oUser{i:D6}_openid", $"uUser{i:D6}_unionid", $"用户{i}", $"https://thirdwx.qlogo.cn/mmopen/{i}/132");
}
