namespace LoadDriver;

/// <summary>Whether sign-ins completing now are measured (after the warm-up, before the end).</summary>
internal sealed class MeasurementWindow
{
    private volatile bool _open;

    public bool IsOpen => _open;

    public void Open() => _open = true;

    public void Close() => _open = false;
}
