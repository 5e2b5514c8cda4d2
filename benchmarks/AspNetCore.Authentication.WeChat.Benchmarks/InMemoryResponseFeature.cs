using Microsoft.AspNetCore.Http.Features;

namespace AspNetCore.Authentication.WeChat.Benchmarks;

/// <summary>
/// A response feature that runs its OnStarting and OnCompleted callbacks, as Kestrel does when a body-less response
/// ends.
/// </summary>
internal sealed class InMemoryResponseFeature : HttpResponseFeature
{
    private List<(Func<object, Task> Callback, object State)>? _onStarting;

    public override void OnStarting(Func<object, Task> callback, object state) => (_onStarting ??= []).Add((callback, state));

    public override void OnCompleted(Func<object, Task> callback, object state)
    {
    }

    public async Task StartAsync()
    {
        if (_onStarting is null)
        {
            return;
        }

        // Registered last, run first, like Kestrel.
        for (var i = _onStarting.Count - 1; i >= 0; i--)
        {
            await _onStarting[i].Callback(_onStarting[i].State).ConfigureAwait(false);
        }
    }
}
