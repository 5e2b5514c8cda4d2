using Microsoft.AspNetCore.Authentication;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Serializes a sign-in kept for a duplicate callback in the in-process store: the framework's own format, written into
/// a buffer reused per thread, so that only the result is allocated (not every size the stream grows through).
/// </summary>
internal static class TicketBytes
{
    [ThreadStatic]
    private static MemoryStream? t_stream;

    public static byte[] Serialize(AuthenticationTicket ticket)
    {
        var stream = t_stream ??= new MemoryStream(4096);
        stream.SetLength(0);
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            TicketSerializer.Default.Write(writer, ticket);
        }

        var bytes = stream.ToArray();

        // A huge ticket does not keep its buffer for the thread's lifetime.
        if (stream.Capacity > 64 * 1024)
        {
            t_stream = null;
        }

        return bytes;
    }
}
