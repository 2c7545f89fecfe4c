using System.Diagnostics;
using Campus.Testing;

namespace Campus.Messaging.Tests;

/// <summary>Retries through per-delay queues, the DLQ with the reason in headers, and re-drive.</summary>
public sealed class RetryAndDeadLetterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Handler_failing_twice_then_succeeding_is_retried_with_growing_delays()
    {
        await using var bed = await TestBed.StartAsync(("Messaging:RetryBaseDelay", "00:00:00.200"), ("Messaging:MaxAttempts", "5"));
        bed.Probe.Behavior = d => d.Context.Attempt <= 2 ? throw new TimeoutException("downstream is slow") : Task.CompletedTask;

        await bed.Publisher.PublishAsync(new OrderPlaced(1), Ct);

        var deliveries = await bed.Probe.WaitForAsync(d => d.Count >= 3);
        await Wait.UntilAsync(() => bed.Consumed.Settled(TestBed.Queue) >= 3); // two retries and the success, all acked
        Assert.Equal([1, 2, 3], bed.Probe.Deliveries.Select(d => d.Context.Attempt));
        var firstGap = Stopwatch.GetElapsedTime(deliveries[0].Timestamp, deliveries[1].Timestamp);
        var secondGap = Stopwatch.GetElapsedTime(deliveries[1].Timestamp, deliveries[2].Timestamp);
        Assert.InRange(firstGap, TimeSpan.FromMilliseconds(190), TimeSpan.FromMilliseconds(1500));  // 200 ms
        Assert.InRange(secondGap, TimeSpan.FromMilliseconds(390), TimeSpan.FromMilliseconds(2000)); // 400 ms
        Assert.True(secondGap > firstGap, $"the second delay ({secondGap}) should be longer than the first ({firstGap})");
        Assert.Equal(0u, await bed.DeadLetterCountAsync());
    }

    [Fact]
    public async Task Always_failing_handler_lands_in_the_dlq_after_max_attempts_and_redrive_brings_it_back()
    {
        await using var bed = await TestBed.StartAsync(("Messaging:RetryBaseDelay", "00:00:00.050"), ("Messaging:MaxAttempts", "3"));
        var failing = true;
        bed.Probe.Behavior = _ => failing ? throw new InvalidOperationException("order service said no") : Task.CompletedTask;
        var @event = new OrderPlaced(42);

        await bed.Publisher.PublishAsync(@event, Ct);

        await bed.WaitForDeadLettersAsync(1);
        Assert.Equal([1, 2, 3], bed.Probe.Deliveries.Select(d => d.Context.Attempt));
        var letter = Assert.Single(await bed.DeadLetters.PeekAsync(TestBed.Queue, cancellationToken: Ct));
        Assert.Equal(@event.Id.ToString(), letter.MessageId);
        Assert.Equal("test.order.placed", letter.RoutingKey);
        Assert.Equal(3, letter.Attempts);
        Assert.Equal("System.InvalidOperationException: order service said no", letter.Error);
        Assert.NotNull(letter.FailedAt);
        Assert.InRange(letter.FailedAt.Value, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));

        failing = false;
        var moved = await bed.DeadLetters.RedriveAsync(TestBed.Queue, cancellationToken: Ct);

        Assert.Equal(1, moved);
        var redelivered = (await bed.Probe.WaitForAsync(d => d.Count == 4))[3];
        Assert.Equal(@event.Id, redelivered.Event.Id);
        Assert.Equal(1, redelivered.Context.Attempt); // attempts start over
        Assert.Equal(0u, await bed.DeadLetterCountAsync());
    }

    [Fact]
    public async Task Permanent_failure_skips_the_retries()
    {
        await using var bed = await TestBed.StartAsync(("Messaging:RetryBaseDelay", "00:00:00.050"));
        bed.Probe.Behavior = _ => throw new PermanentMessageFailureException("the course was deleted");

        await bed.Publisher.PublishAsync(new OrderPlaced(1), Ct);

        await bed.WaitForDeadLettersAsync(1);
        var letter = Assert.Single(await bed.DeadLetters.PeekAsync(TestBed.Queue, cancellationToken: Ct));
        Assert.Equal(1, letter.Attempts);
        Assert.Contains("PermanentMessageFailureException: the course was deleted", letter.Error, StringComparison.Ordinal);
        Assert.Single(bed.Probe.Deliveries);
    }

    [Fact]
    public async Task Redrive_moves_at_most_the_requested_number()
    {
        await using var bed = await TestBed.StartAsync();
        var failing = true;
        bed.Probe.Behavior = _ => failing ? throw new PermanentMessageFailureException("not yet") : Task.CompletedTask;
        for (var n = 1; n <= 3; n++)
        {
            await bed.Publisher.PublishAsync(new OrderPlaced(n), Ct);
        }
        await bed.WaitForDeadLettersAsync(3);
        failing = false;

        Assert.Equal(2, await bed.DeadLetters.RedriveAsync(TestBed.Queue, max: 2, Ct));

        await bed.Probe.WaitForAsync(d => d.Count == 5);
        Assert.Equal(1u, await bed.DeadLetterCountAsync());
        Assert.Equal(1, await bed.DeadLetters.RedriveAsync(TestBed.Queue, cancellationToken: Ct));
        await bed.Probe.WaitForAsync(d => d.Count == 6);
        Assert.Equal(0u, await bed.DeadLetterCountAsync());
    }
}
