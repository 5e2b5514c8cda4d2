using System.Diagnostics;

namespace LoadDriver;

/// <summary>
/// One virtual user: complete sign-ins (of the run's <see cref="ISignInFlow"/>) one after another, each as a fresh
/// browser or mini-program, until told to stop.
/// Its counters are its own, so users never contend with each other while measuring.
/// </summary>
internal sealed class VirtualUser(ISignInFlow flow, MeasurementWindow window, LoadFailures failures)
{
    /// <summary>Latencies (ms) of the sign-ins that completed inside the measured window.</summary>
    public List<double> MeasuredLatencies { get; } = new(capacity: 4096);

    /// <summary>Sign-ins completed over the whole run, warm-up included.</summary>
    public long SignIns { get; private set; }

    public long Errors { get; private set; }

    public long CrossedIdentities { get; private set; }

    /// <summary>Sign-ins under way when the run was interrupted, counted neither as done nor as failed.</summary>
    public long Abandoned { get; private set; }

    /// <param name="stop">The end of the run: the sign-in under way finishes.</param>
    /// <param name="interrupted">An interruption (Ctrl+C): the sign-in under way is abandoned.</param>
    public async Task RunAsync(CancellationToken stop, CancellationToken interrupted)
    {
        while (!stop.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            SignInOutcome outcome;
            try
            {
                // A sign-in under way finishes when the run ends: an abandoned one would count as neither.
                outcome = await flow.RunAsync(interrupted).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
            {
                Abandoned++;
                return;
            }
            catch (HttpRequestException ex)
            {
                outcome = SignInOutcome.Failed($"{ex.HttpRequestError}: {ex.Message}");
            }
            catch (TaskCanceledException ex)
            {
                outcome = SignInOutcome.Failed($"Timed out: {ex.Message}");
            }

            if (outcome.Kind == SignInOutcomeKind.Failed && interrupted.IsCancellationRequested)
            {
                // The terminal's Ctrl+C reaches the sample too, which may be closing its connections: not its failure.
                // A crossed identity still counts, whenever it happens.
                Abandoned++;
                return;
            }

            SignIns++;
            switch (outcome.Kind)
            {
                case SignInOutcomeKind.Succeeded:
                    if (window.IsOpen)
                    {
                        MeasuredLatencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }

                    break;
                case SignInOutcomeKind.CrossedIdentity:
                    CrossedIdentities++;
                    failures.Add(outcome.Detail!);
                    break;
                default:
                    Errors++;
                    failures.Add(outcome.Detail!);
                    break;
            }
        }
    }
}
