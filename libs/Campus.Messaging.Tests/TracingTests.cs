using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Campus.Messaging.Outbox;
using Campus.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;

namespace Campus.Messaging.Tests;

/// <summary>
/// One trace from an HTTP request through the outbox relay and the broker to the consumer's handler, in a host made as
/// every Campus host is (<c>AddServiceDefaults</c>, detailed tracing on), on the real PostgreSQL and RabbitMQ: the spans
/// come from OpenTelemetry's in-memory exporter, the handler's log line is read with the scopes the JSON log writes.
/// </summary>
public sealed partial class TracingTests(PostgresTestDatabase<TestDbContext> database) : IClassFixture<PostgresTestDatabase<TestDbContext>>, IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly RabbitMqTestScope _rabbit = new();
    private readonly Probe _probe = new();

    public async ValueTask InitializeAsync()
    {
        await _rabbit.InitializeAsync();
        await using var db = database.CreateContext();
        await db.OutboxMessages.ExecuteDeleteAsync(Ct);
        await db.Orders.ExecuteDeleteAsync(Ct);
    }

    public ValueTask DisposeAsync() => _rabbit.DisposeAsync();

    [Fact]
    public async Task One_request_is_one_trace_through_the_database_the_outbox_the_broker_and_the_consumer()
    {
        var spans = new LockedList<Activity>();
        var logs = new ScopedLogs();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = "Campus.Messaging.Tests",
            EnvironmentName = Environments.Development,
        });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(_rabbit.Settings().With(("Tracing:Detailed", "true")));
        builder.AddServiceDefaults();
        builder.Logging.AddProvider(logs);
        builder.AddCampusMessaging(messaging => messaging
            .AddOutbox<TestDbContext>()
            .AddSubscription<OrderPlaced, LoggingHandler>("orders"));
        builder.Services.AddSingleton(_probe).AddDbContext<TestDbContext>(database.Configure);
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans));
        await using var app = builder.Build();
        app.MapPost("/orders/{number:int}", async (int number, TestDbContext db) =>
        {
            db.Orders.Add(new Order { Number = number });
            db.AddOutboxMessage(new OrderPlaced(number));
            await db.SaveChangesAsync();
            return Results.Accepted();
        });
        await app.StartAsync(Ct);

        var response = await app.GetTestClient().PostAsync("/orders/7", null, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var delivery = Assert.Single(await _probe.WaitForAsync(d => d.Count == 1));
        // Listeners are process-wide: the exporter also sees other tests' spans, so this request's are picked by its trace.
        // A span is exported when it ends: the consumer's once the handler returned, the request's once the server disposed
        // its context, which the test server does after the client already has the response.
        var trace = delivery.TraceId ?? default;
        var all = await Eventually.WaitForAsync(spans.Snapshot,
            s => s.Any(span => span.Kind == ActivityKind.Consumer && span.TraceId == trace)
                && s.Any(span => span.Kind == ActivityKind.Server && span.TraceId == trace),
            TimeSpan.FromSeconds(10), "the request's and the consumer's spans");
        var mine = all.Where(span => span.TraceId == trace).ToList();
        var request = Assert.Single(mine, span => span.Kind == ActivityKind.Server);
        Assert.Equal("/orders/7", request.GetTagItem("url.path"));
        Assert.Contains(mine, span => span.Source.Name == "Npgsql" && span.ParentSpanId == request.SpanId);
        var publish = Assert.Single(mine, span => span.Kind == ActivityKind.Producer);
        var process = Assert.Single(mine, span => span.Kind == ActivityKind.Consumer);
        Assert.Equal(publish.SpanId, process.ParentSpanId);
        var line = Assert.Single(logs.Lines, l => l.Message == "order 7 handled");
        Assert.Equal(trace.ToHexString(), line.TraceId);

        await app.StopAsync(Ct);
    }

    private sealed partial class LoggingHandler(Probe probe, ILogger<LoggingHandler> logger) : IIntegrationEventHandler<OrderPlaced>
    {
        public async Task HandleAsync(OrderPlaced @event, MessageContext context, CancellationToken cancellationToken)
        {
            Handled(@event.Number);
            await probe.HandleAsync(@event, context);
        }

        [LoggerMessage(LogLevel.Information, "order {Number} handled")]
        private partial void Handled(int number);
    }

    /// <summary>Log lines with the <c>TraceId</c> of their scopes, as the JSON console log writes it.</summary>
    private sealed class ScopedLogs : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider? _scopes;

        public ConcurrentQueue<(string Message, string? TraceId)> Lines { get; } = new();

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(ScopedLogs owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes?.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                string? traceId = null;
                owner._scopes?.ForEachScope((scope, _) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> pairs && pairs.FirstOrDefault(p => p.Key == "TraceId").Value is { } id)
                    {
                        traceId = id.ToString();
                    }
                }, (object?)null);
                owner.Lines.Enqueue((formatter(state, exception), traceId));
            }
        }
    }

    /// <summary>The exporter adds from the threads that end spans while the test reads.</summary>
    private sealed class LockedList<T> : ICollection<T>
    {
        private readonly List<T> _items = [];

        public int Count { get { lock (_items) { return _items.Count; } } }

        public bool IsReadOnly => false;

        public IReadOnlyList<T> Snapshot() { lock (_items) { return [.. _items]; } }

        public void Add(T item) { lock (_items) { _items.Add(item); } }

        public void Clear() { lock (_items) { _items.Clear(); } }

        public bool Contains(T item) { lock (_items) { return _items.Contains(item); } }

        public void CopyTo(T[] array, int arrayIndex) { lock (_items) { _items.CopyTo(array, arrayIndex); } }

        public bool Remove(T item) { lock (_items) { return _items.Remove(item); } }

        public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
