using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// The scheme's <c>StateDataFormat</c>: the framework's protected format, plus properties lent by the handler for the
/// one <c>Unprotect</c> the base handler makes of a callback's state.
/// </summary>
/// <remarks>
/// A state kept in this process (the in-process store) needs no Data Protection: nothing outside the process can read
/// or change it, so the handler keeps the properties themselves and lends them to the base handler under a handle
/// that only this instance issues (a random prefix never sent anywhere, and the state's own random key), taken back
/// on first use. A state kept in a shared store stays protected, as the framework's.
/// </remarks>
internal sealed class WeChatStateDataFormat(ISecureDataFormat<AuthenticationProperties> inner) : ISecureDataFormat<AuthenticationProperties>
{
    private readonly string _prefix = "\u0001" + RandomNumberGenerator.GetHexString(32);
    private readonly ConcurrentDictionary<string, AuthenticationProperties> _lent = new(StringComparer.Ordinal);

    public ISecureDataFormat<AuthenticationProperties> Inner { get; } = inner;

    /// <summary>Lends <paramref name="properties"/> under a handle for <see cref="Unprotect(string?)"/>; give it back with <see cref="Return"/>.</summary>
    public string Lend(string stateKey, AuthenticationProperties properties)
    {
        var handle = string.Concat(_prefix, stateKey);
        _lent[handle] = properties;
        return handle;
    }

    /// <summary>Takes back a handle that was not used (the base handler failed before reading the state).</summary>
    public void Return(string handle) => _lent.TryRemove(handle, out _);

    public string Protect(AuthenticationProperties data) => Inner.Protect(data);

    public string Protect(AuthenticationProperties data, string? purpose) => Inner.Protect(data, purpose);

    public AuthenticationProperties? Unprotect(string? protectedText) => Unprotect(protectedText, null);

    public AuthenticationProperties? Unprotect(string? protectedText, string? purpose)
        => protectedText is not null && protectedText.StartsWith(_prefix, StringComparison.Ordinal)
            ? _lent.TryRemove(protectedText, out var properties) ? properties : null
            : Inner.Unprotect(protectedText, purpose);
}
