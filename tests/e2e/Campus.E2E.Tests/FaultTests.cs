using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Campus.Testing;

namespace Campus.E2E.Tests;

/// <summary>
/// Faults with the platform running: a dependency stopped (or a host killed) in the middle of work. Every case
/// recovers without a manual step, loses and duplicates nothing that was accepted, answers a 503 problem with its own
/// code and <c>Retry-After</c> (never a 500) while it lasts, and each host's <c>/readyz</c> says what is wrong: not ready
/// for a hard dependency, 200 <c>Degraded</c> for a soft one.
/// </summary>
public sealed class FaultTests
{
    private static readonly TimeSpan DetectTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RecoverTimeout = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Hosts with a database: every one but the gateway.</summary>
    private static readonly string[] PostgresUsers = Platform.BrokerUsers;

    /// <summary>Hosts with Redis, a soft dependency of each.</summary>
    private static readonly string[] RedisUsers = ["gateway", "auth", "chat", "chat-2"];

    [Fact]
    public async Task Postgres_restarted_during_writes_answers_503_and_keeps_every_accepted_write_once()
    {
        var (alice, bob) = (await SignIn.PhoneAsync(), await SignIn.PhoneAsync());
        var chatId = await ChatApi.CreateGroupAsync(alice, bob);
        await Readiness.WaitForAllAsync(Platform.Hosts, r => r.Status == 200, "ready before the outage", RecoverTimeout, Ct);

        // A client that keeps writing through the outage: each message has its own client_msg_id and is sent again,
        // with the same id, after any answer that is not an acceptance — the idempotent retry a real client does.
        var ids = Enumerable.Range(0, 20).Select(i => $"pg-{i}-{Guid.NewGuid():N}").ToArray();
        var failures = new ConcurrentBag<string>();
        var accepted = 0;
        using var stopWriting = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < ids.Length; i++)
            {
                while (true)
                {
                    var (status, code, retryAfter) = await TryPostAsync(alice, chatId, $"message {i}", ids[i]);
                    if (status is 200 or 201)
                    {
                        Interlocked.Increment(ref accepted);
                        break;
                    }
                    failures.Add($"{status} {code} retry-after={retryAfter}");
                    await Task.Delay(300, stopWriting.Token);
                }
                await Task.Delay(150, stopWriting.Token);
            }
        }, stopWriting.Token);

        (int Status, string? Code, string? RetryAfter) during;
        try
        {
            // The outage starts once the client has written a few messages, and goes on while it writes the rest.
            await Wait.UntilAsync(() => Volatile.Read(ref accepted) >= 3, seconds: 30);
            await Platform.RunAsync(Ct, "stop", "postgres");

            await Readiness.WaitForAllAsync(PostgresUsers, r => r.Status == 503 && r.Body.Contains("\"postgres\""),
                "503 naming postgres while it is stopped", DetectTimeout, Ct);
            var gateway = await Http.TryGetAsync(new Uri(Platform.HostUrl("gateway"), "readyz"), Ct);
            Assert.True(gateway.Status == 200, $"the gateway needs no database: {gateway.Body}");
            during = await TryPostAsync(alice, chatId, "during the outage", ids[^1]);
        }
        finally
        {
            await Platform.RunAsync(CancellationToken.None, "start", "postgres");
            // This process's own pooled connections (other suites read rows straight from the databases) died with the server.
            Npgsql.NpgsqlConnection.ClearAllPools();
        }

        await writer.WaitAsync(RecoverTimeout, Ct);
        await Readiness.WaitForAllAsync(Platform.Hosts, r => r.Status == 200, "ready again after PostgreSQL restarted", RecoverTimeout, Ct);

        Assert.Equal(503, during.Status);
        Assert.Equal("database_unavailable", during.Code);
        Assert.Equal("5", during.RetryAfter);
        Assert.NotEmpty(failures);
        Assert.All(failures, failure => Assert.StartsWith("503 database_unavailable retry-after=5", failure));
        var stored = (await Api.ExpectAsync(await Api.SendAsync(alice, HttpMethod.Get, $"api/chat/chats/{chatId}/messages?after_seq=0&limit=200"), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(ids, stored.Select(m => m.GetProperty("client_msg_id").GetString()));
        Assert.Equal(Enumerable.Range(1, ids.Length).Select(i => (long)i), stored.Select(m => m.GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task Redis_stopped_during_chat_fan_out_and_rate_limiting_degrades_without_an_outage_and_catches_up()
    {
        var (alice, bob) = (await SignIn.PhoneAsync(), await SignIn.PhoneAsync());
        var chatId = await ChatApi.CreateGroupAsync(alice, bob);
        await Readiness.WaitForAllAsync(Platform.Hosts, r => r.Status == 200, "ready before the outage", RecoverTimeout, Ct);
        using var socket = await ChatApi.ConnectAsync(bob, chatId);
        var before = Guid.NewGuid().ToString();
        await ChatApi.PostAsync(alice, chatId, "before", before);
        await ChatApi.ReceiveCreatedAsync(socket, before);

        var during = new List<string>();
        try
        {
            await Platform.RunAsync(Ct, "stop", "redis");

            // Soft everywhere: every Redis user stays ready (200) and names Redis as degraded.
            await Readiness.WaitForAllAsync(RedisUsers,
                r => r.Status == 200 && r.Body.Contains("\"status\":\"Degraded\"") && r.Body.Contains("\"redis\""),
                "200 Degraded naming redis while it is stopped", DetectTimeout, Ct);
            var metrics = await Http.TryGetAsync(new Uri(Platform.HostUrl("gateway"), "metrics"), Ct);
            Assert.Contains(metrics.Body.Split('\n'), line => line.StartsWith("campus_dependency_up{", StringComparison.Ordinal)
                && line.Contains("dependency=\"redis\"") && line.Contains("required=\"false\"") && line.EndsWith(" 0", StringComparison.Ordinal));

            // Rate limiting fails open (the edge's per-IP limit stays): requests through the gateway are served.
            for (var i = 0; i < 5; i++)
            {
                await Api.ExpectAsync(await Api.SendAsync(alice, HttpMethod.Get, "api/auth/me"), HttpStatusCode.OK);
            }
            // Messages are accepted: PostgreSQL is their record; only the fan-out to sockets waits.
            for (var i = 0; i < 3; i++)
            {
                var id = Guid.NewGuid().ToString();
                await ChatApi.PostAsync(alice, chatId, $"during {i}", id);
                during.Add(id);
            }
        }
        finally
        {
            await Platform.RunAsync(CancellationToken.None, "start", "redis");
        }

        await Readiness.WaitForAllAsync(RedisUsers, r => r.Status == 200 && Readyz.OverallStatus(r.Body) == "Healthy",
            "healthy again after Redis restarted", RecoverTimeout, Ct);
        // The open socket catches up without reconnecting: the next message it gets fills the gap from the database.
        var after = Guid.NewGuid().ToString();
        var deadline = Stopwatch.StartNew();
        while ((await TryPostAsync(alice, chatId, "after", after)).Status is not (200 or 201))
        {
            Assert.True(deadline.Elapsed < RecoverTimeout, "the post after Redis restarted was never accepted");
            await Task.Delay(500, Ct);
        }
        var received = await ReceiveCreatedIdsAsync(socket, after);
        Assert.Equal([.. during, after], received);
    }

    [Fact]
    public async Task S3_stopped_during_an_upload_and_a_transcode_answers_503_and_the_video_still_ends_ready_once()
    {
        var author = await SignIn.WithRolesAsync("author");
        var clip = await MediaTranscodeTests.ClipAsync(1920, 1080, seconds: 12);
        var bytes = await File.ReadAllBytesAsync(clip, Ct);
        using var created = await Api.SendAsync(author, HttpMethod.Post, "api/content/media/upload-url",
            new { file_name = "s3-outage.mp4", content_type = "video/mp4", size_bytes = bytes.Length });
        var upload = await Api.ExpectAsync(created, HttpStatusCode.OK);
        var mediaId = upload.GetProperty("id").GetString()!;
        await Campus.Testing.PresignedUpload.PutAsync(upload, bytes);

        // The upload is in S3; S3 stops before the author completes it.
        try
        {
            await Platform.RunAsync(Ct, "stop", "s3");
            await Readiness.WaitForAllAsync(["content", "profile", "chat", "analytics"],
                r => r.Status == 200 && r.Body.Contains("\"status\":\"Degraded\"") && r.Body.Contains("\"s3\""),
                "200 Degraded naming s3 while it is stopped", DetectTimeout, Ct);
            await Readiness.WaitForAllAsync(["content-worker", "analytics-worker"], r => r.Status == 503 && r.Body.Contains("\"s3\""),
                "503 naming s3 while it is stopped", DetectTimeout, Ct);

            using var complete = await Api.SendAsync(author, HttpMethod.Post, $"api/content/media/{mediaId}/complete");
            await Api.ExpectCodeAsync(complete, HttpStatusCode.ServiceUnavailable, "storage_unavailable");
            Assert.Equal("5", complete.Headers.GetValues("Retry-After").Single());
        }
        finally
        {
            await Platform.RunAsync(CancellationToken.None, "start", "s3");
        }

        // The same complete again, once S3 is back: accepted, and the transcode starts.
        await Readiness.WaitForAllAsync(["content", "content-worker"], r => r.Status == 200 && Readyz.OverallStatus(r.Body) == "Healthy",
            "healthy again after S3 restarted", RecoverTimeout, Ct);
        using (var again = await Api.SendAsync(author, HttpMethod.Post, $"api/content/media/{mediaId}/complete"))
        {
            await Api.ExpectAsync(again, HttpStatusCode.OK);
        }
        await MediaTranscodeTests.WaitForAsync(author, mediaId, "processing", TimeSpan.FromMinutes(2));

        // S3 stops mid-transcode and stays away until the worker has tried to store the renditions: that attempt fails and
        // the job goes back to the queue (the media reads "queued" again), to be retried once S3 is back.
        try
        {
            await Platform.RunAsync(Ct, "stop", "s3");
            await MediaTranscodeTests.WaitForAsync(author, mediaId, "queued", TimeSpan.FromMinutes(2));
        }
        finally
        {
            await Platform.RunAsync(CancellationToken.None, "start", "s3");
        }

        await AssertReadyAndPlayableAsync(author, mediaId);
    }

    [Fact]
    public async Task The_transcode_worker_killed_with_sigkill_mid_job_finishes_the_video_after_a_restart()
    {
        var author = await SignIn.WithRolesAsync("author");
        var clip = await MediaTranscodeTests.ClipAsync(1920, 1080, seconds: 12);
        var mediaId = await MediaTranscodeTests.UploadAndCompleteAsync(author, clip, "killed.mp4");

        await MediaTranscodeTests.WaitForAsync(author, mediaId, "processing", TimeSpan.FromMinutes(2));
        try
        {
            await Platform.RunAsync(Ct, "kill", "content-worker");
            await Readiness.WaitForAllAsync(["content-worker"], r => r.Status == 0, "down after SIGKILL", DetectTimeout, Ct);
            using var status = await Api.SendAsync(author, HttpMethod.Get, $"api/content/media/{mediaId}/status");
            Assert.Equal("processing", (await Api.ExpectAsync(status, HttpStatusCode.OK)).GetProperty("status").GetString());
        }
        finally
        {
            await Platform.RunAsync(CancellationToken.None, "start", "content-worker");
        }

        await AssertReadyAndPlayableAsync(author, mediaId);
    }

    [Fact]
    public async Task The_delivery_worker_killed_with_sigkill_while_a_mail_is_retrying_sends_it_exactly_once_after_a_restart()
    {
        var email = NotificationsTests.NewAddress();
        try
        {
            // The SMTP sink is away, so the worker holds the mail in its retries when it is killed.
            await Platform.RunAsync(Ct, "stop", "maildev");
            using (var registered = await NotificationsTests.PostAsync("api/auth/email/register", new { email, password = "Lilac-Harbour-Quartz-7391" }))
            {
                await Api.ExpectAsync(registered, HttpStatusCode.Accepted);
            }
            await NotificationsTests.WaitForRowAsync(email, r => r.Attempts >= 1, TimeSpan.FromSeconds(30));
            await Platform.RunAsync(Ct, "kill", "notifications-worker");
            await Platform.RunAsync(Ct, "start", "maildev");
        }
        finally
        {
            await Platform.RunAsync(CancellationToken.None, "start", "maildev");
            await Platform.RunAsync(CancellationToken.None, "start", "notifications-worker");
        }

        var sent = await NotificationsTests.WaitForRowAsync(email, r => r.Status == "sent", TimeSpan.FromSeconds(60));
        Assert.True(sent.Attempts >= 2, $"{sent}");
        await NotificationsTests.WaitForMailAsync(email, "confirm-email", TimeSpan.FromSeconds(10));
        // Every copy of the request consumed, the one the killed worker held included: a duplicate would have been mailed by now.
        await Pipeline.SettledAsync(Pipeline.AuthEvents, Pipeline.Deliveries);
        Assert.Single(await NotificationsTests.MailsToAsync(email));
    }

    /// <summary>The video ends ready with all three renditions, and its 480p stream plays to the end.</summary>
    private static async Task AssertReadyAndPlayableAsync(SignIn.Session author, string mediaId)
    {
        var (ready, _) = await MediaTranscodeTests.WaitForAsync(author, mediaId, "ready", TimeSpan.FromMinutes(3));
        Assert.Equal([480, 720, 1080], ready.GetProperty("renditions").EnumerateArray().Select(r => r.GetInt32()));
        var (exit, error) = await MediaTranscodeTests.RunAsync("ffmpeg",
            ["-v", "error", "-i", await MediaTranscodeTests.StreamLocationAsync(author, mediaId, "480"), "-f", "null", "-"], TimeSpan.FromMinutes(1));
        Assert.True(exit == 0, error);
    }

    private static async Task<(int Status, string? Code, string? RetryAfter)> TryPostAsync(SignIn.Session author, string chatId, string body, string clientMsgId)
    {
        try
        {
            using var response = await Api.SendAsync(author, HttpMethod.Post, $"api/chat/chats/{chatId}/messages", new { body, client_msg_id = clientMsgId });
            var text = await response.Content.ReadAsStringAsync(Ct);
            string? code = null;
            if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
            {
                code = JsonDocument.Parse(text).RootElement.GetProperty("code").GetString();
            }
            var retryAfter = response.Headers.TryGetValues("Retry-After", out var values) ? values.Single() : null;
            return ((int)response.StatusCode, code, retryAfter);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !Ct.IsCancellationRequested)
        {
            return (0, ex.GetType().Name, null);
        }
    }

    /// <summary>The client_msg_ids of every message.created frame, in order, up to and including <paramref name="last"/>.</summary>
    private static async Task<List<string>> ReceiveCreatedIdsAsync(ClientWebSocket socket, string last)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        var ids = new List<string>();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            using var frame = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer, timeout.Token);
                frame.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);
            Assert.True(result.MessageType == WebSocketMessageType.Text, $"the socket closed ({socket.CloseStatus} {socket.CloseStatusDescription}) after {ids.Count} messages");
            var root = JsonDocument.Parse(Encoding.UTF8.GetString(frame.ToArray())).RootElement;
            if (root.GetProperty("type").GetString() == "message.created")
            {
                var id = root.GetProperty("message").GetProperty("client_msg_id").GetString()!;
                ids.Add(id);
                if (id == last)
                {
                    return ids;
                }
            }
        }
    }
}

/// <summary>Polling each host's own <c>/readyz</c>.</summary>
internal static class Readiness
{
    /// <summary>Polls every host's /readyz until each satisfies the condition, or fails naming those that did not.</summary>
    public static async Task WaitForAllAsync(IEnumerable<string> hosts, Func<(int Status, string Body), bool> condition, string what,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        var pending = hosts.ToHashSet();
        var last = new Dictionary<string, (int Status, string Body)>();
        var clock = Stopwatch.StartNew();
        while (pending.Count > 0)
        {
            foreach (var host in pending.ToArray())
            {
                var result = await Http.TryGetAsync(new Uri(Platform.HostUrl(host), "readyz"), cancellationToken);
                last[host] = result;
                if (condition(result))
                {
                    pending.Remove(host);
                }
            }
            if (pending.Count == 0)
            {
                break;
            }
            if (clock.Elapsed > timeout)
            {
                var report = string.Join("; ", pending.Order().Select(h => $"{h}: {last[h].Status} {Truncate(last[h].Body)}"));
                Assert.Fail($"Not {what} after {timeout.TotalSeconds:0}s: {report}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
