using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Groups requests by the client that sent them, for fair eviction in <see cref="MemoryWeChatStateStore"/>.
/// </summary>
internal static class ClientPartition
{
    /// <summary>
    /// An IPv4 address as it is; an IPv6 address by its /64 network, because one host can use any address of it.
    /// Requests without an address (an in-process test server) share one partition. Behind a proxy, call
    /// <c>UseForwardedHeaders</c>, or every user shares the proxy's partition.
    /// </summary>
    public static string Of(IPAddress? address)
    {
        if (address is null)
        {
            return "";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return string.Create(CultureInfo.InvariantCulture, $"{Convert.ToHexString(bytes[..8])}/64");
    }
}
