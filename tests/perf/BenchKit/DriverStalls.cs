using System.Diagnostics;
using System.Globalization;

namespace BenchKit;

/// <summary>
/// Whether the driver itself stalled during a run: the driver shares the cores with the platform, and a driver that stops
/// sending or reading (its own garbage collection, or no core for it) shows as slow requests. A thread of its own wakes
/// every 10 ms and keeps how late each wake-up was; the runtime's GC pause time is read at the start and at the end.
/// </summary>
public sealed class DriverStalls : IDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeSpan _pausedBefore = GC.GetTotalPauseDuration();
    private readonly int _gen2Before = GC.CollectionCount(2);
    private readonly Thread _thread;
    private readonly List<(double AtS, double LateMs)> _late = [];
    private volatile bool _stopped;

    public DriverStalls()
    {
        _thread = new Thread(Watch) { IsBackground = true, Priority = ThreadPriority.AboveNormal, Name = "driver stalls" };
        _thread.Start();
    }

    private void Watch()
    {
        while (!_stopped)
        {
            var before = _clock.Elapsed;
            Thread.Sleep(Tick);
            var late = (_clock.Elapsed - before - Tick).TotalMilliseconds;
            if (late > 20)
            {
                lock (_late)
                {
                    _late.Add((before.TotalSeconds, late));
                }
            }
        }
    }

    /// <summary><c>driver: gc_pause_ms=… gen2=… late_wakeups_over_20ms=… longest_ms=… at t=…s</c></summary>
    public string Summary()
    {
        lock (_late)
        {
            var longest = _late.Count == 0 ? (AtS: 0.0, LateMs: 0.0) : _late.MaxBy(l => l.LateMs);
            return string.Create(CultureInfo.InvariantCulture,
                $"driver: gc_pause_ms={(GC.GetTotalPauseDuration() - _pausedBefore).TotalMilliseconds:F0} gen2={GC.CollectionCount(2) - _gen2Before} late_wakeups_over_20ms={_late.Count} longest_ms={longest.LateMs:F0} at t={longest.AtS:F0}s");
        }
    }

    public void Dispose()
    {
        _stopped = true;
        _thread.Join();
    }
}
