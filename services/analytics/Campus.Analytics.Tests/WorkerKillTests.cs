using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Storage;
using Campus.Testing;
using Npgsql;

namespace Campus.Analytics.Tests;

/// <summary>
/// The report worker as a process of its own (its built assembly, as the image runs it), SIGKILLed in the middle of the
/// learner-progress XLSX of 1,000,000 learner × course rows; a second worker process retries the request to ready and
/// leaves no multipart upload behind. The second run's time and the worker's peak RSS are written to the test output.
/// </summary>
public sealed class WorkerKillTests(ReportsServiceFactory service, ITestOutputHelper output) : IClassFixture<ReportsServiceFactory>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_worker_killed_mid_export_leaves_a_request_that_another_worker_completes()
    {
        await service.WaitUntilReadyAsync();
        await SeedMillionAsync();
        var admin = Guid.NewGuid();
        using var client = service.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", service.Jwt.CreateToken(admin, "admin"));

        using var first = StartWorker();
        await first.ReadyAsync();
        var (response, created) = await ReportsFixture.RequestAsync(client, new { type = "learner_progress", format = "xlsx" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = created.GetProperty("id").GetGuid();

        // Mid-report: running and past its first rows, not done.
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var now = await client.GetFromJsonAsync<JsonElement>($"/api/analytics/reports/{id}", Cancellation);
            Assert.NotEqual("ready", now.GetProperty("state").GetString());
            if (now.GetProperty("state").GetString() == "running" && now.GetProperty("progress").GetInt32() >= 5)
            {
                break;
            }
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), $"Not running past 5 % after 3 min: {now}\n{first.Tail}");
            await Task.Delay(100, Cancellation);
        }
        output.WriteLine($"killed at {clock.Elapsed.TotalSeconds:0.0} s after the request");
        first.Kill();
        var deadRun = await ReadRowAsync(id);
        Assert.Equal("running", deadRun.State);
        Assert.NotNull(deadRun.UploadId);

        using var second = StartWorker();
        JsonElement done = default;
        clock.Restart();
        while (true)
        {
            done = await client.GetFromJsonAsync<JsonElement>($"/api/analytics/reports/{id}", Cancellation);
            var state = done.GetProperty("state").GetString();
            Assert.True(state is "queued" or "running" or "ready", $"{done}\n{second.Tail}");
            if (state == "ready")
            {
                break;
            }
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(4), $"Not ready 4 min after the kill: {done}\n{second.Tail}");
            await Task.Delay(200, Cancellation);
        }
        var peak = second.PeakRssMiB();

        Assert.Equal(2, done.GetProperty("attempts").GetInt32());
        Assert.Equal(1_000_000, done.GetProperty("row_count").GetInt64());
        var retried = await ReadRowAsync(id);
        Assert.Null(retried.UploadId);
        Assert.NotEqual(deadRun.ObjectKey, retried.ObjectKey);
        // The killed run's upload was aborted by the retry (its parts discarded) and the retry's completed: none is left open.
        Assert.Empty(await service.Buckets.UnfinishedUploadsAsync(StorageBuckets.Reports, cancellationToken: Cancellation));
        var run = done.GetProperty("finished_at").GetDateTimeOffset() - done.GetProperty("started_at").GetDateTimeOffset();
        output.WriteLine($"1,000,000-row XLSX: {run.TotalSeconds:0.0} s from claim to ready, {done.GetProperty("size_bytes").GetInt64() / 1048576.0:0.0} MiB, worker peak RSS {peak:0} MiB");

        // The file: the first rows read back by an independent reader (the whole million would take the reader minutes).
        using var redirect = await client.GetAsync($"/api/analytics/reports/{id}/download?redirect=false", Cancellation);
        var url = (await redirect.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("url").GetString();
        using var anonymous = new HttpClient();
        var bytes = await anonymous.GetByteArrayAsync(url, Cancellation);
        using var stream = new MemoryStream(bytes);
        System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);
        using var reader = ExcelDataReader.ExcelReaderFactory.CreateOpenXmlReader(stream);
        Assert.True(reader.Read());
        Assert.Equal("Слушатель", reader.GetValue(0));
        Assert.True(reader.Read());
        Assert.Equal("Слушатель 0001", reader.GetValue(0));
        Assert.Equal("Курс 0001", reader.GetValue(3));
    }

    private sealed record Row(string State, string? UploadId, string? ObjectKey);

    private async Task<Row> ReadRowAsync(Guid id)
    {
        await using var connection = new NpgsqlConnection(service.Database.ConnectionString);
        await connection.OpenAsync(Cancellation);
        await using var command = new NpgsqlCommand("SELECT state, upload_id, object_key FROM report_requests WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        Assert.True(await reader.ReadAsync(Cancellation));
        return new Row(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    /// <summary>1,000 learners in 10 departments × 1,000 courses, every learner enrolled in every course.</summary>
    private async Task SeedMillionAsync()
    {
        await using var connection = new NpgsqlConnection(service.Database.ConnectionString);
        await connection.OpenAsync(Cancellation);
        await using var command = new NpgsqlCommand("""
            INSERT INTO users (user_id, display_name, email, department, time_zone, roles, status)
            SELECT md5('u' || i)::uuid, 'Слушатель ' || lpad(i::text, 4, '0'), 'u' || i || '@campus.test', 'Отдел ' || (i % 10),
                   'Europe/Moscow', '{student}', 'active'
            FROM generate_series(1, 1000) AS i;
            INSERT INTO courses (course_id, title, state, created_at, version)
            SELECT md5('c' || j)::uuid, 'Курс ' || lpad(j::text, 4, '0'), 'published', now(), now() FROM generate_series(1, 1000) AS j;
            INSERT INTO enrolments (course_id, user_id, source, enrolled_at, due_at, done_materials, total_materials, completed_at, version)
            SELECT md5('c' || j)::uuid, md5('u' || i)::uuid, 'assigned', now() - interval '30 days',
                   now() + ((i + j) % 60 - 20) * interval '1 day', (i * j) % 11, 10,
                   CASE WHEN (i * j) % 11 = 10 THEN now() - interval '1 day' END, now()
            FROM generate_series(1, 1000) AS i, generate_series(1, 1000) AS j;
            ANALYZE users; ANALYZE courses; ANALYZE enrolments;
            """, connection) { CommandTimeout = 300 };
        await command.ExecuteNonQueryAsync(Cancellation);
    }

    private WorkerProcess StartWorker()
    {
        var settings = new Dictionary<string, string?>(service.SharedSettings)
        {
            ["Reports:XlsxRowsPerSheet"] = "1048575",
            ["Reports:SweepInterval"] = "00:00:01",
            ["ASPNETCORE_HTTP_PORTS"] = TestInfrastructure.ClosedPort().ToString(CultureInfo.InvariantCulture),
        };
        var assembly = Path.Combine(TestInfrastructure.RepositoryRoot, "services/analytics/Campus.Analytics.Worker/bin/Release/net10.0/Campus.Analytics.Worker.dll");
        if (!File.Exists(assembly))
        {
            assembly = Path.Combine(AppContext.BaseDirectory, "Campus.Analytics.Worker.dll");
        }
        return new WorkerProcess(assembly, settings, int.Parse(settings["ASPNETCORE_HTTP_PORTS"]!, CultureInfo.InvariantCulture));
    }

    /// <summary>A worker process, killed (SIGKILL) when disposed if still running.</summary>
    private sealed class WorkerProcess : IDisposable
    {
        private readonly Process _process;

        private readonly int _port;

        public WorkerProcess(string assembly, IReadOnlyDictionary<string, string?> settings, int port)
        {
            _port = port;
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = Path.GetDirectoryName(assembly),
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(assembly);
            foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)
                         || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal) || k.Contains("__", StringComparison.Ordinal)).ToList())
            {
                start.Environment.Remove(key);
            }
            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            foreach (var (key, value) in settings)
            {
                start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            }
            _process = Process.Start(start) ?? throw new InvalidOperationException("The worker did not start.");
            // Drained so a full pipe never blocks the worker.
            _process.OutputDataReceived += (_, e) => Keep(e.Data);
            _process.ErrorDataReceived += (_, e) => Keep(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

        /// <summary>The last lines the worker printed (its JSON logs), for a failure's message.</summary>
        public string Tail => string.Join('\n', _lines);

        private void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }
            _lines.Enqueue(line);
            while (_lines.Count > 40 && _lines.TryDequeue(out _))
            {
            }
        }

        /// <summary>Waits until the worker's /readyz is 200 Healthy: its queue is declared and bound, so requests reach it.</summary>
        public async Task ReadyAsync()
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var clock = Stopwatch.StartNew();
            while (true)
            {
                Assert.False(_process.HasExited, $"The worker exited: {Tail}");
                try
                {
                    using var response = await http.GetAsync($"http://127.0.0.1:{_port}/readyz", Cancellation);
                    if (response.IsSuccessStatusCode && Readyz.OverallStatus(await response.Content.ReadAsStringAsync(Cancellation)) == "Healthy")
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                catch (TaskCanceledException) when (!Cancellation.IsCancellationRequested)
                {
                    // Slow to answer under load.
                }
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"The worker was not ready within 2 min: {Tail}");
                await Task.Delay(200, Cancellation);
            }
        }

        /// <summary>SIGKILL: no graceful shutdown, nothing of the run cleaned up.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        /// <summary>The process's peak resident set (VmHWM), in MiB.</summary>
        public double PeakRssMiB()
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                Kill();
            }
            _process.Dispose();
        }
    }
}
