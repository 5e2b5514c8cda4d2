using System.Text;
using AspNetCore.Authentication.WeChat.MiniProgram;

namespace AspNetCore.Authentication.WeChat.Tests.MiniProgram;

/// <summary>WeChat's published test vectors for open data, rawData signatures and check-session signatures.</summary>
public class OpenDataCryptoTests
{
    // WeChat's official WXBizDataCrypt sample data.
    public const string VectorAppId = "wx4f4bc4dec97d474b";
    public const string VectorSessionKey = "tiihtNczf5v6AKRyjwEUhQ==";
    public const string VectorIv = "r7BXXKkLb8qrSNn05n0qiA==";
    public const string VectorEncryptedData = "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==";
    public const string VectorPlainText = """{"openId":"oGZUI0egBJY1zhBYw2KhdUfwVJJE","nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAMvTsw3mo8ibKicsnfN5pRjl1p8HQ/0","unionId":"ocMvos6NjeKLIBqg5Mr9QjxrP1FA","watermark":{"timestamp":1477314187,"appid":"wx4f4bc4dec97d474b"}}""";

    private static byte[]? Decrypt(string sessionKey, string iv, string encryptedData)
        => WeChatOpenData.Decrypt(WeChatOpenData.Key(sessionKey)!, WeChatOpenData.DecodeBase64(iv, 24)!, WeChatOpenData.DecodeBase64(encryptedData, 65536)!);

    [Fact]
    public void The_official_sample_decrypts_to_its_plaintext_and_watermark()
    {
        var plain = Decrypt(VectorSessionKey, VectorIv, VectorEncryptedData);

        Assert.Equal(VectorPlainText, Encoding.UTF8.GetString(plain!));
        using var json = WeChatOpenData.ParseWatermarked(plain!, VectorAppId, out var timestamp, out var otherApp);
        Assert.NotNull(json);
        Assert.Equal(1477314187, timestamp);
        Assert.False(otherApp);
    }

    [Fact]
    public void The_official_sample_is_refused_for_another_app()
    {
        var plain = Decrypt(VectorSessionKey, VectorIv, VectorEncryptedData)!;

        Assert.Null(WeChatOpenData.ParseWatermarked(plain, "wx0000000000000000", out _, out var otherApp));
        Assert.True(otherApp);
    }

    [Fact]
    public void Base64_whose_plus_signs_became_spaces_in_transit_still_decrypts()
    {
        var mangled = VectorEncryptedData.Replace('+', ' ');
        Assert.Contains(' ', mangled);

        Assert.Equal(VectorPlainText, Encoding.UTF8.GetString(Decrypt(VectorSessionKey, VectorIv, mangled)!));
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("QUJD")] // 3 bytes: not whole AES blocks
    [InlineData("")]
    public void Encrypted_data_that_is_not_whole_base64_blocks_is_refused(string encryptedData)
    {
        var bytes = WeChatOpenData.DecodeBase64(encryptedData, 65536);
        Assert.True(bytes is null || WeChatOpenData.Decrypt(WeChatOpenData.Key(VectorSessionKey)!, WeChatOpenData.DecodeBase64(VectorIv, 24)!, bytes) is null);
    }

    [Fact]
    public void A_wrong_key_never_yields_watermarked_json()
    {
        // Over many random keys, some padding checks pass by chance (about 1 in 256), but never the JSON and watermark.
        var cipher = WeChatOpenData.DecodeBase64(VectorEncryptedData, 65536)!;
        var iv = WeChatOpenData.DecodeBase64(VectorIv, 24)!;
        var paddingPassed = 0;
        for (var i = 0; i < 3000; i++)
        {
            var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
            if (WeChatOpenData.Decrypt(key, iv, cipher) is { } plain)
            {
                paddingPassed++;
                Assert.Null(WeChatOpenData.ParseWatermarked(plain, VectorAppId, out _, out _));
            }
        }

        Assert.InRange(paddingPassed, 1, 60);
    }

    [Fact]
    public void Padding_is_checked_strictly()
    {
        // Re-encrypt the plaintext with a last block whose pad bytes differ (…03 03 02): a lax unpadder would accept it.
        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = Convert.FromBase64String(VectorSessionKey);
        var iv = Convert.FromBase64String(VectorIv);
        var plain = Encoding.UTF8.GetBytes("{\"watermark\":{\"appid\":\"" + VectorAppId + "\"}}");
        var padded = new byte[(plain.Length / 16 + 1) * 16];
        plain.CopyTo(padded, 0);
        var pad = padded.Length - plain.Length;
        for (var i = plain.Length; i < padded.Length; i++)
        {
            padded[i] = (byte)pad;
        }

        var good = aes.EncryptCbc(padded, iv, System.Security.Cryptography.PaddingMode.None);
        Assert.NotNull(WeChatOpenData.Decrypt(aes.Key, iv, good));

        padded[^2] = (byte)(pad + 1);
        var bad = aes.EncryptCbc(padded, iv, System.Security.Cryptography.PaddingMode.None);
        Assert.Null(WeChatOpenData.Decrypt(aes.Key, iv, bad));
    }

    [Fact]
    public void The_rawData_signature_matches_the_official_vector()
    {
        const string rawData = """{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}""";

        var signature = WeChatOpenData.Signature(rawData, "HyVFkGl5F5OQWJZZaNzBBg==");

        Assert.Equal("75e81ceda165f4ffa64f4068af58c64b8f54b88c", signature);
        Assert.True(WeChatOpenData.SignatureEquals(signature, "75E81CEDA165F4FFA64F4068AF58C64B8F54B88C"));
        Assert.False(WeChatOpenData.SignatureEquals(signature, "75e81ceda165f4ffa64f4068af58c64b8f54b88d"));
        Assert.False(WeChatOpenData.SignatureEquals(signature, null));
    }

    [Fact]
    public void The_check_session_hmac_is_keyed_with_the_base64_text_as_WeChat_documents()
    {
        Assert.Equal("654571f79995b2ce1e149e53c0a33dc39c0a74090db514261454e8dbe432aa0b",
            WeChatOpenData.CheckSessionSignature("o0q0otL8aEzpcZL/FT9WsQ==", """{"foo":"bar"}"""));
    }

    [Theory]
    [InlineData("tiihtNczf5v6AKRyjwEUhQ==", true)]
    [InlineData("tiihtNczf5v6AKRyjwEUhQ", false)]
    [InlineData("tiihtNczf5v6AKRyjwEUhQ==tiihtNczf5v6AKRyjwEUhQ==", false)]
    [InlineData("!!!!!!!!!!!!!!!!!!!!!!==", false)]
    public void A_session_key_is_24_base64_characters_of_16_bytes(string sessionKey, bool valid)
        => Assert.Equal(valid, WeChatOpenData.Key(sessionKey) is not null);
}
