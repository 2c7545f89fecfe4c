// Transcode worker benchmark: wall time of the worker's whole pipeline for a 5 s 1080p clip (download from
// S3, ffprobe, ffmpeg to the 480/720/1080 HLS ladder + poster, upload, database) against the bare ffmpeg command with
// the same arguments on the same clip. Goal: worker overhead under 10 %.
//
//   dotnet run -c Release --project tests/perf/TranscodeBench -- [RUNS] [EDGE_URL] [DATABASE]
//
// Needs the running platform (./platform up) with the content service and worker in Development (the dev SMS outbox
// and the bootstrap admin +79000000000 give the benchmark an author). The worker's time is read from its job row
// (started_at → finished_at), so queueing and polling are not counted; complete → ready as the client sees it is
// printed too. The bare run uses Transcoder.BuildArguments with the worker's default settings (veryfast, 4 s
// segments, ffmpeg's own thread count): keep the platform worker on its defaults when comparing.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Campus.Content.Worker;
using Campus.Content.Worker.Transcoding;
using Microsoft.Extensions.Options;
using Npgsql;

namespace TranscodeBench;

internal static class Bench
{
    private static readonly IPAddress SourceAddress = IPAddress.Parse($"127.22.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}");

    // Connections leave from a random 127.22.x.y: auth limits phone-code requests per client IP and hour, and the edge
    // would otherwise see every run (and every other local tool) as 127.0.0.1.
    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        ConnectCallback = async (context, cancel) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(SourceAddress, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancel);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    public static async Task<int> Main(string[] args)
    {
        var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1;
        var edge = new Uri((args.Length > 1 ? args[1] : "http://127.0.0.1:8080").TrimEnd('/') + "/");
        var database = args.Length > 2 ? args[2]
            : $"Host=127.0.0.1;Port={Environment.GetEnvironmentVariable("CAMPUS_POSTGRES_PORT") ?? "5433"};Username=campus;Database=campus_content";

        var work = Directory.CreateTempSubdirectory("campus-transcode-bench-");
        try
        {
            var clip = Path.Combine(work.FullName, "clip-1080p-5s.mp4");
            await RunAsync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25", "-f", "lavfi",
                "-i", "sine=frequency=440:sample_rate=48000", "-t", "5", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-shortest", clip]);
            var token = await AuthorTokenAsync(edge);
            Console.WriteLine($"# {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {Environment.ProcessorCount} cores (shared: figures are noisy), 5 s 1080p clip ({new FileInfo(clip).Length / 1024} KiB), {runs} run(s) each, alternating");

            var transcoder = new Transcoder(Options.Create(new TranscodeOptions()));
            var probe = await transcoder.ProbeAsync(clip, SourceFormat.Mov, CancellationToken.None);
            var bare = new List<double>();
            var worker = new List<double>();
            var client = new List<double>();
            for (var run = 1; run <= runs; run++)
            {
                var output = Path.Combine(work.FullName, $"bare-{run}");
                Directory.CreateDirectory(output);
                var clock = Stopwatch.StartNew();
                await RunAsync("ffmpeg", transcoder.BuildArguments(clip, SourceFormat.Mov, output, probe, Ladder.For(probe.Height)));
                bare.Add(clock.Elapsed.TotalSeconds);

                var (workerSeconds, clientSeconds) = await WorkerRunAsync(edge, token, database, clip);
                worker.Add(workerSeconds);
                client.Add(clientSeconds);
                Console.WriteLine($"run {run}: bare ffmpeg {bare[^1]:0.00} s, worker {workerSeconds:0.00} s, complete→ready {clientSeconds:0.00} s");
            }

            var (b, w, c) = (Median(bare), Median(worker), Median(client));
            Console.WriteLine();
            Console.WriteLine("| what | wall time (median) | vs bare ffmpeg |");
            Console.WriteLine("|---|---|---|");
            Console.WriteLine($"| bare ffmpeg, same arguments | {b:0.00} s | |");
            Console.WriteLine($"| worker (job started_at → finished_at) | {w:0.00} s | {(w - b) / b * 100:+0.0;-0.0} % |");
            Console.WriteLine($"| client: complete → status ready | {c:0.00} s | {(c - b) / b * 100:+0.0;-0.0} % |");
            Console.WriteLine("The worker logs each job's split (download / ffprobe + ffmpeg / upload + database): ./platform logs content-worker | grep took");
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task<(double Worker, double Client)> WorkerRunAsync(Uri edge, string token, string database, string clip)
    {
        var bytes = await File.ReadAllBytesAsync(clip);
        var upload = await ApiAsync(edge, token, HttpMethod.Post, "api/content/media/upload-url",
            new { file_name = "bench.mp4", content_type = "video/mp4", size_bytes = bytes.Length });
        var mediaId = upload.GetProperty("id").GetString()!;
        using (var put = new HttpRequestMessage(HttpMethod.Put, upload.GetProperty("upload_url").GetString()) { Content = new ByteArrayContent(bytes) })
        {
            foreach (var header in upload.GetProperty("headers").EnumerateObject())
            {
                put.Content.Headers.TryAddWithoutValidation(header.Name, header.Value.GetString());
            }
            using var stored = await Http.SendAsync(put);
            stored.EnsureSuccessStatusCode();
        }

        var clock = Stopwatch.StartNew();
        await ApiAsync(edge, token, HttpMethod.Post, $"api/content/media/{mediaId}/complete");
        while (true)
        {
            var status = (await ApiAsync(edge, token, HttpMethod.Get, $"api/content/media/{mediaId}/status")).GetProperty("status").GetString();
            if (status == "ready")
            {
                break;
            }
            if (status == "failed" || clock.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new InvalidOperationException($"The benchmark video ended {status}.");
            }
            await Task.Delay(50);
        }
        var client = clock.Elapsed.TotalSeconds;

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand(
            "SELECT EXTRACT(EPOCH FROM finished_at - started_at)::float8 FROM transcode_jobs WHERE media_id = @id AND status = 'done'", connection);
        query.Parameters.AddWithValue("id", Guid.Parse(mediaId));
        var worker = (double)(await query.ExecuteScalarAsync() ?? throw new InvalidOperationException("No finished job row."));
        return (worker, client);
    }

    /// <summary>A phone sign-in, the author role from the development bootstrap admin, and a refresh for a token carrying it.</summary>
    private static async Task<string> AuthorTokenAsync(Uri edge)
    {
        var (_, userId, refresh) = await PhoneAsync(edge, $"+7998{Random.Shared.Next(1000000, 9999999)}");
        var (admin, _, _) = await PhoneAsync(edge, "+79000000000");
        await ApiAsync(edge, admin, HttpMethod.Put, $"api/auth/users/{userId}/roles", new { roles = new[] { "author" } });
        var tokens = await ApiAsync(edge, null, HttpMethod.Post, "api/auth/token/refresh", new { refresh_token = refresh });
        return tokens.GetProperty("access_token").GetString()!;
    }

    private static async Task<(string Access, string UserId, string Refresh)> PhoneAsync(Uri edge, string phone)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var sent = await Http.PostAsync(new Uri(edge, "api/auth/phone/send-code"), Json(new { phone }));
            // The bootstrap admin's phone is shared with the e2e suite: wait out its 30 s resend interval, nothing longer.
            var wait = sent.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(5);
            if (sent.StatusCode == HttpStatusCode.TooManyRequests && attempt < 3 && wait <= TimeSpan.FromSeconds(35))
            {
                Console.Error.WriteLine($"send-code for {phone}: 429, waiting {wait.TotalSeconds:0} s");
                await Task.Delay(wait);
                continue;
            }
            sent.EnsureSuccessStatusCode();
            break;
        }
        // The dev outbox is never exposed by the edge: it is read on auth's own port (CAMPUS_AUTH_PORT).
        var auth = new Uri($"http://127.0.0.1:{Environment.GetEnvironmentVariable("CAMPUS_AUTH_PORT") ?? "8101"}/");
        var outbox = await ApiAsync(auth, null, HttpMethod.Get, $"api/auth/dev/sms-outbox?phone={Uri.EscapeDataString(phone)}");
        var code = System.Text.RegularExpressions.Regex.Match(outbox[0].GetProperty("text").GetString() ?? "", @"\b\d{4,8}\b").Value;
        var tokens = await ApiAsync(edge, null, HttpMethod.Post, "api/auth/phone/verify", new { phone, code });
        return (tokens.GetProperty("access_token").GetString()!, tokens.GetProperty("user").GetProperty("id").GetString()!,
            tokens.GetProperty("refresh_token").GetString()!);
    }

    private static async Task<JsonElement> ApiAsync(Uri edge, string? token, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(edge, path));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (body is not null)
        {
            request.Content = Json(body);
        }
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {text}");
        }
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task RunAsync(string executable, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await output;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{executable} exited {process.ExitCode}: {await error}");
        }
    }
}
