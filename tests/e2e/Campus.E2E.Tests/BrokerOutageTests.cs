using System.Diagnostics;
using System.Net;
using Campus.Testing;

namespace Campus.E2E.Tests;

/// <summary>
/// Acceptance: with RabbitMQ stopped every worker reports not ready and every service ready but degraded, naming RabbitMQ;
/// when RabbitMQ is back the same processes become ready again, without a restart, and what a service wrote to
/// its outbox during the outage is published by its relay.
/// </summary>
public sealed class BrokerOutageTests
{
    private static readonly TimeSpan DetectTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RecoverTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Hosts_report_rabbitmq_outage_and_recover_without_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        await Readiness.WaitForAllAsync(Platform.BrokerUsers, r => r.Status == (int)HttpStatusCode.OK, "ready before the outage", RecoverTimeout, ct);
        var pidsBefore = Platform.BrokerUsers.ToDictionary(h => h, ReadPid);
        await using var probe = await OutboxProbe.BindAsync(ct);

        try
        {
            await Platform.RunAsync(ct, "stop", "rabbitmq");

            // The workers cannot work without the broker: not ready. The services serve (events wait in the outbox):
            // ready, degraded, naming it.
            await Readiness.WaitForAllAsync(
                Platform.Workers,
                r => r.Status == (int)HttpStatusCode.ServiceUnavailable && r.Body.Contains("rabbitmq", StringComparison.OrdinalIgnoreCase),
                "503 naming rabbitmq while the broker is stopped",
                DetectTimeout,
                ct);
            await Readiness.WaitForAllAsync(
                [.. Platform.Services, .. Platform.ExtraNodes],
                r => r.Status == (int)HttpStatusCode.OK && Readyz.OverallStatus(r.Body) == "Degraded"
                    && r.Body.Contains("rabbitmq", StringComparison.OrdinalIgnoreCase),
                "200 Degraded naming rabbitmq while the broker is stopped",
                DetectTimeout,
                ct);

            // What a service's transaction writes while the broker is down: rows in its own outbox table.
            await probe.WriteOutboxRowsAsync(count: 5, ct);
        }
        finally
        {
            // Always bring the broker back: the rest of the suite (and the developer) needs it.
            await Platform.RunAsync(CancellationToken.None, "start", "rabbitmq");
        }

        await Readiness.WaitForAllAsync(Platform.BrokerUsers, r => r.Status == (int)HttpStatusCode.OK && !r.Body.Contains("Degraded", StringComparison.Ordinal),
            "ready again after the broker restarted", RecoverTimeout, ct);

        foreach (var host in Platform.BrokerUsers)
        {
            Assert.Equal(pidsBefore[host], ReadPid(host));
            Assert.True(IsAlive(pidsBefore[host]), $"{host} (pid {pidsBefore[host]}) is no longer running");
        }

        Assert.Equal(5u, await probe.WaitForMessagesAsync(expected: 5, RecoverTimeout, ct));
        Assert.Equal(0, await probe.PendingOutboxRowsAsync(ct));
    }

    private static int ReadPid(string host)
    {
        var file = Platform.PidFile(host);
        Assert.True(File.Exists(file), $"{file} is missing: was the platform started with ./platform up?");
        return int.Parse(File.ReadAllText(file).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
