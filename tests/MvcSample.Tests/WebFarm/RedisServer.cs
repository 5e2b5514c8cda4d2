using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MvcSample.Tests.WebFarm;

/// <summary>
/// A real redis-server on a free 127.0.0.1 port, without persistence, stopped by its pid. It can be stopped and started
/// again on the same port (losing its data) for fault tests.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string Executable = "/usr/bin/redis-server";
    private Process? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    /// <summary>A client configuration with short timeouts (1 s), for tests of what users see when Redis fails.</summary>
    public string Configuration => ConfigurationWithTimeout(1000);

    /// <summary>A client configuration whose commands time out after <paramref name="milliseconds"/> (asyncTimeout and syncTimeout).</summary>
    public string ConfigurationWithTimeout(int milliseconds)
        => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=1000,syncTimeout={milliseconds},asyncTimeout={milliseconds},connectRetry=1";

    /// <summary>Why Redis tests cannot run here, or null when they can. Under CI=true a missing server is a failure.</summary>
    public static string? MissingReason()
    {
        if (File.Exists(Executable))
        {
            return null;
        }

        var reason = $"{Executable} is not installed (apt-get install redis-server; ./test.sh does it when run as root).";
        Assert.False(Environment.GetEnvironmentVariable("CI") == "true", reason);
        return reason;
    }

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(FreePort());
        await server.StartAgainAsync();
        return server;
    }

    public async Task StartAgainAsync()
    {
        _process = Process.Start(new ProcessStartInfo(Executable,
            $"--port {Port} --bind 127.0.0.1 --save \"\" --appendonly no --daemonize no --protected-mode yes --loglevel warning")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await PingAsync())
        {
            Assert.True(DateTime.UtcNow < deadline && !_process.HasExited, $"redis-server did not answer on port {Port}");
            await Task.Delay(50);
        }
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Makes the server stop answering every client for a while (CLIENT PAUSE).</summary>
    public Task PauseAsync(TimeSpan duration) => SendAsync($"CLIENT PAUSE {(int)duration.TotalMilliseconds} ALL");

    public Task UnpauseAsync() => SendAsync("CLIENT UNPAUSE");

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task<bool> PingAsync()
    {
        try
        {
            return (await SendAsync("PING")).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private async Task<string> SendAsync(string command)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        var stream = client.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(command + "\r\n"));
        var buffer = new byte[256];
        var read = await stream.ReadAsync(buffer);
        return System.Text.Encoding.ASCII.GetString(buffer, 0, read);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
