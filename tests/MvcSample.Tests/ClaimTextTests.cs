using MvcSample.Models;

namespace MvcSample.Tests;

public class ClaimTextTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5080/wechat-emulator/mmopen/oEmu_XiaoMing_6bmasdsad6_2sgVt7hM/132", "http://127.0.0.1:5080/…/132")]
    [InlineData("https://thirdwx.qlogo.cn/mmopen/vi_32/Q0j4TwGTfTKxCqRzuYWQmpwiaqQEjNxbC7WicebjXQusEWnKSiakXtTsQ/132", "https://thirdwx.qlogo.cn/…/132")]
    [InlineData("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier", "http://schemas.xmlsoap.org/…/nameidentifier")]
    [InlineData("https://img.example/a/Q0j4TwGTfTKxCqRzuYWQmpwiaqQEjNxbC7WicebjXQ", "https://img.example/…/Q0j4TwGTfTKxCqRzuYW…")]
    [InlineData("https://img.example/avatars/132?size=large&v=2", "https://img.example/…/132?…")]
    [InlineData("https://a-rather-long-host-name.example/only-one", "https://a-rather-long-host-name.example/only-one")]
    public void A_long_url_is_shortened_and_kept_whole_for_the_title(string url, string shown)
    {
        var value = ClaimText.ForValue(url);

        Assert.Equal(new ClaimText(shown, url, url), value);
        Assert.Equal(new ClaimText(shown, url, null), ClaimText.ForType(url));
    }

    [Fact]
    public void A_short_url_is_shown_whole_and_still_a_link()
    {
        Assert.Equal(new ClaimText("https://wx.qlogo.cn/a/132", null, "https://wx.qlogo.cn/a/132"), ClaimText.ForValue("https://wx.qlogo.cn/a/132"));
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("JavaScript://%0aalert(1)")]
    [InlineData("data:text/html,<script>alert(1)</script>")]
    [InlineData("//evil.example/a/very/long/protocol-relative/path/that/is/not/shortened")]
    [InlineData("file:///etc/passwd/and/some/more/segments/to/make/it/long")]
    [InlineData("urn:wechat:scope")]
    [InlineData("oEmu_XiaoMing_6bmasdsad6_2sgVt7hM")]
    [InlineData("<script>alert('x')</script>")]
    public void Anything_but_an_http_url_is_shown_as_it_is_and_never_a_link(string text)
    {
        Assert.Equal(new ClaimText(text, null, null), ClaimText.ForValue(text));
        Assert.Equal(new ClaimText(text, null, null), ClaimText.ForType(text));
    }
}
