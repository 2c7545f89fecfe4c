// Notifications benchmark: notifications per second from an event on the broker to the SMTP sink, on the running
// platform (./platform up). Publishes N `auth.user.password_reset_requested` events (the auth service's own shape)
// to the events exchange at once, then follows the rows the notifications service creates until the delivery worker
// has marked every one sent (each is a mail accepted by maildev). Prints throughput and the event → sent latency
// (the row's sent_at minus the event's publish time; one clock, this machine) at p50/p95/p99/max, and how many
// mails maildev holds for the run's addresses.
//
//   dotnet run -c Release --project tests/perf/NotificationsBench -- [COUNT] [TIMEOUT_SECONDS]
//
// Ports follow the platform's variables (CAMPUS_RABBITMQ_PORT, CAMPUS_POSTGRES_PORT, CAMPUS_MAILDEV_WEB_PORT).
// Each run uses its own addresses (bench-<run>-<n>@campus.test); the mails stay in maildev.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using RabbitMQ.Client;

var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 500;
var timeout = TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 120);
string Port(string variable, string fallback) => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } v ? v : fallback;
var database = $"Host=127.0.0.1;Port={Port("CAMPUS_POSTGRES_PORT", "5433")};Username=campus;Database=campus_notifications";
var amqp = new Uri($"amqp://guest:guest@127.0.0.1:{Port("CAMPUS_RABBITMQ_PORT", "5673")}/");
var maildev = new Uri($"http://127.0.0.1:{Port("CAMPUS_MAILDEV_WEB_PORT", "1080")}/api/email");
var run = Guid.NewGuid().ToString("N")[..8];
string Address(int i) => $"bench-{run}-{i}@campus.test";

Console.WriteLine($"# {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {Environment.ProcessorCount} cores (shared), {count} password_reset_requested events, run {run}");

var publishedAt = new Dictionary<string, DateTimeOffset>(count);

// Publish every event (confirmed, persistent), as auth's outbox relay would.
await using (var connection = await new ConnectionFactory { Uri = amqp }.CreateConnectionAsync())
await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
{
    var clock = Stopwatch.StartNew();
    var pending = new List<Task>(count);
    for (var i = 0; i < count; i++)
    {
        var id = Guid.CreateVersion7();
        var now = DateTimeOffset.UtcNow;
        publishedAt[Address(i)] = now;
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["id"] = id,
            ["type"] = "auth.user.password_reset_requested",
            ["occurred_at"] = now,
            ["user_id"] = Guid.NewGuid(),
            ["email"] = Address(i),
            ["token"] = Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
            ["expires_at"] = DateTimeOffset.UtcNow.AddMinutes(15),
        });
        var properties = new BasicProperties
        {
            MessageId = id.ToString(), Type = "auth.user.password_reset_requested", ContentType = "application/json",
            Persistent = true, Timestamp = new AmqpTimestamp(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
        };
        pending.Add(channel.BasicPublishAsync("campus.events", "auth.user.password_reset_requested", mandatory: true, properties, body).AsTask());
    }
    await Task.WhenAll(pending);
    Console.WriteLine($"published {count} events in {clock.ElapsedMilliseconds} ms");
}

// Follow the rows until all are sent (or the timeout).
var wait = Stopwatch.StartNew();
List<(string Recipient, DateTimeOffset? Sent, string Status, int Attempts)> rows = [];
await using (var db = new NpgsqlConnection(database))
{
    await db.OpenAsync();
    while (wait.Elapsed < timeout)
    {
        rows.Clear();
        await using var query = new NpgsqlCommand(
            """
            SELECT recipient, sent_at, status, attempts FROM notifications
            WHERE recipient LIKE @pattern AND channel = 'email'
            """, db);
        query.Parameters.AddWithValue("pattern", $"bench-{run}-%");
        await using (var reader = await query.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetInt32(3)));
            }
        }
        if (rows.Count >= count && rows.All(r => r.Status != "pending"))
        {
            break;
        }
        await Task.Delay(250);
    }
}

var sent = rows.Where(r => r.Sent is not null).ToList();
Console.WriteLine($"rows: {rows.Count}/{count}, sent {sent.Count}, failed {rows.Count(r => r.Status == "failed")}, pending {rows.Count(r => r.Status == "pending")}, retried {rows.Count(r => r.Attempts > 1)}");
if (sent.Count == 0)
{
    Console.WriteLine("nothing was sent: is the platform up (notifications service and worker, maildev)?");
    return 1;
}
// The clock starts at the first event's occurred_at (its publish) and stops at the last sent_at.
var first = publishedAt.Values.Min();
var last = sent.Max(r => r.Sent!.Value);
var latencies = sent.Select(r => (r.Sent!.Value - publishedAt[r.Recipient]).TotalMilliseconds).Order().ToArray();
double Percentile(double p) => latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(p / 100 * latencies.Length) - 1)];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"throughput: {sent.Count / (last - first).TotalSeconds:F1} notifications/s (event → sent, {sent.Count} in {(last - first).TotalSeconds:F2} s)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"latency event → sent: p50 {Percentile(50):F0} ms, p95 {Percentile(95):F0} ms, p99 {Percentile(99):F0} ms, max {latencies[^1]:F0} ms"));

// The sink's own count (maildev keeps every mail; only this run's addresses are counted).
using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
try
{
    using var mails = JsonDocument.Parse(await http.GetStringAsync(maildev));
    var inSink = mails.RootElement.EnumerateArray().Count(m => m.GetProperty("to").EnumerateArray()
        .Any(t => t.GetProperty("address").GetString()?.StartsWith($"bench-{run}-", StringComparison.Ordinal) == true));
    Console.WriteLine($"maildev holds {inSink} mails of this run (expected {sent.Count}: none lost, none duplicated)");
}
catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
{
    Console.WriteLine($"maildev not readable: {ex.Message}");
}
return sent.Count == count ? 0 : 2;
