using System.Text.Json;

namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// A mini-program's server-side services for its signed-in users: open data decrypted and verified with the
/// session_key the server keeps (which never leaves it), <c>rawData</c> signatures, the session check and phone numbers.
/// Resolve it as <c>[FromKeyedServices(name)] IWeChatMiniProgramService</c>, or without a key for the first mini-program
/// added.
/// </summary>
/// <remarks>
/// Methods take the user's openid in this mini-program (the <see cref="WeChatClaimTypes.OpenId"/> claim of a principal
/// whose <see cref="WeChatClaimTypes.AppId"/> is the mini-program's). Failures are <see cref="WeChatException"/>s whose
/// kind says what happened; <see cref="WeChatProblems.Result"/> turns one into the endpoint's answer.
/// </remarks>
public interface IWeChatMiniProgramService
{
    /// <summary>
    /// Decrypts open data (<c>encryptedData</c> and <c>iv</c> from <c>wx.getUserInfo</c>, share tickets, …) with the
    /// user's session_key — the current one, or the one it replaced within
    /// <see cref="WeChatMiniProgramOptions.PreviousSessionKeyLifetime"/> — and returns it only when it is strictly valid:
    /// PKCS#7 padding, a JSON object, <c>watermark.appid</c> equal to the mini-program's AppID and, with
    /// <see cref="WeChatMiniProgramOptions.OpenDataMaxAge"/>, a recent <c>watermark.timestamp</c>.
    /// </summary>
    /// <param name="openId">The user's openid in the mini-program.</param>
    /// <param name="encryptedData">The base64 <c>encryptedData</c> (a '+' that became a space in transit is tolerated).</param>
    /// <param name="iv">The base64 <c>iv</c>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The decrypted JSON, which the caller must dispose.</returns>
    /// <exception cref="WeChatException">
    /// <see cref="WeChatFailureKind.InvalidOpenData"/> when it does not verify; <see cref="WeChatFailureKind.SessionKeyMissing"/>
    /// when no session_key is kept for the user; <see cref="WeChatFailureKind.StateStoreUnavailable"/> when the cache failed.
    /// </exception>
    Task<JsonDocument> DecryptAsync(string openId, string encryptedData, string iv, CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks the <c>signature</c> of <c>rawData</c> (<c>sha1(rawData + session_key)</c>), with the current or the
    /// previous session_key. <paramref name="rawData"/> must be exactly the text the mini-program received.
    /// </summary>
    /// <param name="openId">The user's openid in the mini-program.</param>
    /// <param name="rawData">The <c>rawData</c> string.</param>
    /// <param name="signature">The <c>signature</c> (hex).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether the signature is right.</returns>
    /// <exception cref="WeChatException">No session_key is kept for the user, or the cache failed.</exception>
    Task<bool> VerifySignatureAsync(string openId, string rawData, string signature, CancellationToken cancellationToken = default);

    /// <summary>
    /// Asks WeChat (<c>wxa/checksession</c>, with the mini-program's global access token) whether the session_key the
    /// server keeps for the user is still the valid one.
    /// </summary>
    /// <param name="openId">The user's openid in the mini-program.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when it is; <see langword="false"/> when WeChat says the signature is invalid (87009).</returns>
    /// <exception cref="WeChatException">No session_key is kept for the user, or the call to WeChat failed.</exception>
    Task<bool> CheckSessionAsync(string openId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Exchanges a phone-number code (from the mini-program's <c>getPhoneNumber</c> button; not a login code) for the
    /// user's phone number through <c>wxa/business/getuserphonenumber</c>, with the mini-program's global access token,
    /// and checks its watermark.
    /// </summary>
    /// <param name="code">The phone-number code; it works once, for 5 minutes.</param>
    /// <param name="openId">The user's openid, which WeChat then checks the code belongs to; or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The phone number.</returns>
    /// <exception cref="WeChatException">The call failed or the answer did not verify; its kind says how.</exception>
    Task<WeChatPhoneNumber> GetPhoneNumberAsync(string code, string? openId = null, CancellationToken cancellationToken = default);
}
