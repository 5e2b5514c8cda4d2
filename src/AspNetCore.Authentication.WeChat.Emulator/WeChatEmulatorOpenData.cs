namespace AspNetCore.Authentication.WeChat.Emulator;

/// <summary>
/// A user's open data as <c>wx.getUserInfo</c> hands it to a mini-program: the profile encrypted with the user's
/// session_key, and the same profile in clear with its signature. The app's server decrypts and checks it with the
/// session_key it got from <c>sns/jscode2session</c>.
/// </summary>
public sealed class WeChatEmulatorOpenData
{
    internal WeChatEmulatorOpenData(string encryptedData, string iv, string rawData, string signature)
    {
        EncryptedData = encryptedData;
        Iv = iv;
        RawData = rawData;
        Signature = signature;
    }

    /// <summary>
    /// Gets the profile (<c>openId</c>, <c>nickName</c>, …, <c>unionId</c> when the user has one, and a
    /// <c>watermark</c> with the time and the mini-program's AppID), AES-128-CBC encrypted with the session_key, base64.
    /// </summary>
    public string EncryptedData { get; }

    /// <summary>Gets the initialisation vector of <see cref="EncryptedData"/>, base64.</summary>
    public string Iv { get; }

    /// <summary>Gets the profile in clear, without openId, unionId and watermark, exactly as it was signed.</summary>
    public string RawData { get; }

    /// <summary>Gets the hex SHA-1 of <see cref="RawData"/> followed by the session_key.</summary>
    public string Signature { get; }
}
