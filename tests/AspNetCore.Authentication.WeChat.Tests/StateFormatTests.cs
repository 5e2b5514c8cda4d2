using AspNetCore.Authentication.WeChat.Internal;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Tests;

/// <summary>
/// The in-process store keeps a pending sign-in's properties as they are (no Data Protection); the base handler gets
/// them through the scheme's StateDataFormat, under a handle only this instance issues, once.
/// </summary>
public class StateFormatTests
{
    [Fact]
    public async Task The_in_process_store_keeps_the_properties_unprotected_and_a_shared_store_protected()
    {
        var store = new MemoryWeChatStateStore(TimeProvider.System);
        await using (var host = await WeChatTestHost.StartAsync(services: s => s.AddSingleton<WeChatStateStore>(store)))
        {
            var state = WeChatTestHost.Query(await WeChatTestHost.ChallengeAsync(host.CreateBrowser()))["state"];
            var entry = await store.GetAsync("WeChat.Authentication.State:WeChat:" + state, CancellationToken.None);

            Assert.Equal("", entry!.Properties);
            Assert.Equal(WeChatTestHost.ReturnUrl, entry.LocalProperties![".redirect"]);
        }

        var cache = new RecordingDistributedCache();
        await using (var host = await WeChatTestHost.StartAsync(services: s => s.AddSingleton<IDistributedCache>(cache)))
        {
            await WeChatTestHost.ChallengeAsync(host.CreateBrowser());

            var stored = System.Text.Encoding.UTF8.GetString(Assert.Single(cache.Sets).Value);
            Assert.DoesNotContain(WeChatTestHost.ReturnUrl, stored, StringComparison.Ordinal);
            Assert.Contains("\"p\":\"CfDJ8", stored, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_lent_handle_works_once_and_nothing_else_unprotects_without_the_key()
    {
        var inner = new PropertiesDataFormat(new EphemeralDataProtectionProvider().CreateProtector("test"));
        var format = new WeChatStateDataFormat(inner);
        var properties = new AuthenticationProperties { RedirectUri = "/orders/1" };

        var handle = format.Lend("WeChat.Authentication.State:WeChat:abc", properties);

        Assert.Same(properties, format.Unprotect(handle));
        Assert.Null(format.Unprotect(handle));
        // The handle's shape without this instance's random prefix, or another instance's: nothing.
        Assert.Null(format.Unprotect("\u0001WeChat.Authentication.State:WeChat:abc"));
        Assert.Null(new WeChatStateDataFormat(inner).Unprotect(format.Lend("k", properties)));
        // Protected text still goes to the framework's format.
        Assert.Equal("/orders/2", format.Unprotect(format.Protect(new AuthenticationProperties { RedirectUri = "/orders/2" }))!.RedirectUri);
        Assert.Null(format.Unprotect("not-protected"));
    }

    [Fact]
    public async Task The_schemes_StateDataFormat_is_the_packages_over_the_frameworks()
    {
        await using var host = await WeChatTestHost.StartAsync();

        var options = host.App.Services.GetRequiredService<IOptionsMonitor<WeChatAuthenticationOptions>>().Get(WeChatAuthenticationDefaults.AuthenticationScheme);

        Assert.IsType<PropertiesDataFormat>(Assert.IsType<WeChatStateDataFormat>(options.StateDataFormat).Inner);
    }
}

/// <summary>What the package keeps in a cache is encrypted and bound to its key: AES-GCM in process, Data Protection when shared.</summary>
public class CacheProtectorTests
{
    private static readonly IDataProtector Protector = new EphemeralDataProtectionProvider().CreateProtector("test");

    [Fact]
    public void In_process_a_value_is_encrypted_tamper_evident_and_counts_only_under_its_own_key()
    {
        var protector = new WeChatCacheProtector(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())), Protector);
        var value = protector.Protect("session:oAlice", "secret-session-key"u8.ToArray());

        Assert.True(protector.IsInProcess);
        Assert.DoesNotContain("secret-session-key", System.Text.Encoding.UTF8.GetString(value), StringComparison.Ordinal);
        Assert.Equal("secret-session-key"u8.ToArray(), protector.Unprotect("session:oAlice", value));
        value[^1] ^= 1;
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => protector.Unprotect("session:oAlice", value));
        value[^1] ^= 1;
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => protector.Unprotect("session:oMallory", value));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => protector.Unprotect("session:oAlic", value));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => protector.Unprotect("session:oAlice", [1, 2, 3]));
    }

    [Fact]
    public void In_a_shared_cache_a_value_is_protected_and_bound_to_its_key()
    {
        var protector = new WeChatCacheProtector(new RecordingDistributedCache(), Protector);
        var value = protector.Protect("session:oAlice", "secret-session-key"u8.ToArray());

        Assert.False(protector.IsInProcess);
        Assert.DoesNotContain("secret-session-key", System.Text.Encoding.UTF8.GetString(value), StringComparison.Ordinal);
        Assert.Equal("secret-session-key"u8.ToArray(), protector.Unprotect("session:oAlice", value));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => protector.Unprotect("session:oMallory", value));
    }
}

public class StateKeyTests
{
    [Fact]
    public void States_use_every_character_of_the_alphabet_equally_often()
    {
        var counts = new Dictionary<char, int>();
        for (var i = 0; i < 6000; i++)
        {
            var state = WeChatAuthenticationHandler.NewState();
            Assert.Matches("^[A-Za-z0-9]{32}$", state);
            foreach (var c in state)
            {
                counts[c] = counts.GetValueOrDefault(c) + 1;
            }
        }

        // 192,000 characters over 62: about 3,097 each (a modulo bias would give the first eight about 3,870).
        Assert.Equal(62, counts.Count);
        Assert.All(counts, c => Assert.InRange(c.Value, 2800, 3400));
    }
}
