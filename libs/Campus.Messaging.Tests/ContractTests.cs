using System.Text.Json;
using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Campus.Messaging.Tests;

/// <summary>The wire and schema contracts, without servers.</summary>
public sealed class ContractTests
{
    [Fact]
    public void Retry_delays_double_per_attempt_and_are_capped()
    {
        var options = new MessagingOptions { RetryBaseDelay = TimeSpan.FromSeconds(5), RetryMaxDelay = TimeSpan.FromSeconds(30) };

        var delays = Enumerable.Range(1, 6).Select(options.RetryDelay).Select(d => d.TotalSeconds);

        Assert.Equal([5, 10, 20, 30, 30, 30], delays);
    }

    [Fact]
    public void Events_are_snake_case_json_with_id_type_and_occurred_at()
    {
        var @event = new OrderPlaced(7) { OccurredAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero) };

        using var json = JsonDocument.Parse(IntegrationEventJson.Serialize(@event));

        var root = json.RootElement;
        Assert.Equal(["id", "type", "occurred_at", "number"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(@event.Id, root.GetProperty("id").GetGuid());
        Assert.Equal("test.order.placed", root.GetProperty("type").GetString());
        Assert.Equal("2026-01-02T03:04:05+00:00", root.GetProperty("occurred_at").GetString());
        var back = JsonSerializer.Deserialize<OrderPlaced>(json, IntegrationEventJson.Options);
        Assert.Equal(@event, back);
    }

    [Fact]
    public void An_event_that_does_not_say_when_it_happened_is_stamped_with_the_host_clock_in_the_outbox()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero));
        var set = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

        var unset = OutboxDbContextExtensions.CreateOutboxMessage(new OrderPlaced(1), clock);
        var given = OutboxDbContextExtensions.CreateOutboxMessage(new OrderPlaced(2) { OccurredAt = set }, clock);

        Assert.Equal(clock.GetUtcNow(), JsonDocument.Parse(unset.Payload).RootElement.GetProperty("occurred_at").GetDateTimeOffset());
        Assert.Equal(clock.GetUtcNow(), unset.CreatedAt);
        Assert.Equal(set, JsonDocument.Parse(given.Payload).RootElement.GetProperty("occurred_at").GetDateTimeOffset());
    }

    [Fact]
    public void Event_ids_are_unique_and_time_ordered()
    {
        var ids = Enumerable.Range(0, 3).Select(_ => new OrderPlaced(1).Id).ToList();

        Assert.Equal(3, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Equal(7, id.Version));
    }

    [Fact]
    public void Routing_key_must_be_declared_and_well_formed()
    {
        Assert.Throws<InvalidOperationException>(() => new Undeclared().Type);
        var error = Assert.Throws<InvalidOperationException>(() => new Wildcard().Type);
        Assert.Contains("service.entity.past_tense_verb", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Outbox_table_has_jsonb_payload_and_a_partial_index_on_pending_rows()
    {
        using var db = new TestDbContext(new DbContextOptionsBuilder<TestDbContext>().UseNpgsql("Host=unused").UseSnakeCaseNamingConvention().Options);

        var entity = db.Model.FindEntityType(typeof(OutboxMessage))!;

        Assert.Equal("outbox_messages", entity.GetTableName());
        Assert.Equal(
            ["attempts", "created_at", "headers", "id", "last_error", "payload", "published_at", "routing_key", "type"],
            entity.GetProperties().Select(p => p.GetColumnName()).Order());
        Assert.Equal("jsonb", entity.FindProperty(nameof(OutboxMessage.Payload))!.GetColumnType());
        Assert.Equal("jsonb", entity.FindProperty(nameof(OutboxMessage.Headers))!.GetColumnType());
        Assert.True(entity.FindProperty(nameof(OutboxMessage.PublishedAt))!.IsNullable);
        var pending = Assert.Single(entity.GetIndexes(), i => i.GetDatabaseName() == "ix_outbox_messages_pending");
        Assert.Equal("published_at IS NULL", pending.GetFilter());
        Assert.Equal([nameof(OutboxMessage.CreatedAt)], pending.Properties.Select(p => p.Name));
    }

    [Fact]
    public void Subscription_queue_names_are_validated()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new());
        var messaging = builder.AddCampusMessaging();

        Assert.Throws<ArgumentException>(() => messaging.AddSubscription<OrderPlaced, ProbeHandler<OrderPlaced>>("Orders With Spaces"));
        messaging.AddSubscription<OrderPlaced, ProbeHandler<OrderPlaced>>("orders");
        Assert.Throws<InvalidOperationException>(() => messaging.AddSubscription<OrderPlaced, ProbeHandler<OrderPlaced>>("orders"));
    }

    private sealed record Undeclared : IntegrationEvent;

    [RoutingKey("test.order.#")]
    private sealed record Wildcard : IntegrationEvent;
}
