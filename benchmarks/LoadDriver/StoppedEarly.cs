namespace LoadDriver;

/// <summary>How a run that was interrupted ended: by what, in which phase, and after how long in it.</summary>
/// <param name="Reason">"Ctrl+C" or "SIGTERM".</param>
/// <param name="DuringWarmUp">Whether the measured window had not opened yet: nothing measured.</param>
/// <param name="After">The time spent in that phase (the warm-up or the measured window).</param>
internal sealed record StoppedEarly(string Reason, bool DuringWarmUp, TimeSpan After);
