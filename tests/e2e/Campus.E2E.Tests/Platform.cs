using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Campus.E2E.Tests;

/// <summary>Where the running platform is: the edge URL, the hosts' ports and the repository root.</summary>
/// <remarks>Every value follows the environment variables of <c>./platform</c>, with the same defaults.</remarks>
public static class Platform
{
    /// <summary>The six services, each routed by the gateway under <c>/api/&lt;name&gt;/</c>.</summary>
    public static readonly string[] Services = ["auth", "profile", "content", "notifications", "chat", "analytics"];

    /// <summary>Further nodes of a service (same build, own port; the gateway balances across them).</summary>
    public static readonly string[] ExtraNodes = ["chat-2"];

    /// <summary>The three workers (health and metrics only).</summary>
    public static readonly string[] Workers = ["content-worker", "notifications-worker", "analytics-worker"];

    /// <summary>Every host that depends on RabbitMQ: all but the gateway.</summary>
    public static readonly string[] BrokerUsers = [.. Services, .. ExtraNodes, .. Workers];

    /// <summary>Every host the platform runs.</summary>
    public static readonly string[] Hosts = ["gateway", .. BrokerUsers];

    private static readonly Dictionary<string, int> DefaultPorts = new()
    {
        ["gateway"] = 8000,
        ["auth"] = 8101,
        ["profile"] = 8102,
        ["content"] = 8103,
        ["notifications"] = 8104,
        ["chat"] = 8105,
        ["chat-2"] = 8107,
        ["analytics"] = 8106,
        ["content-worker"] = 8111,
        ["notifications-worker"] = 8112,
        ["analytics-worker"] = 8113,
    };

    /// <summary>The edge (nginx) base URL: <c>CAMPUS_EDGE_URL</c>, else http://127.0.0.1:<c>CAMPUS_EDGE_PORT</c> (8080).</summary>
    public static Uri EdgeUrl { get; } = new(Environment.GetEnvironmentVariable("CAMPUS_EDGE_URL") is { Length: > 0 } url
        ? url.TrimEnd('/') + "/"
        : $"http://127.0.0.1:{(Environment.GetEnvironmentVariable("CAMPUS_EDGE_PORT") is { Length: > 0 } port ? port : "8080")}/");

    /// <summary>A host's own base URL, e.g. http://127.0.0.1:8101/ for auth (<c>CAMPUS_AUTH_PORT</c>).</summary>
    public static Uri HostUrl(string host)
    {
        var variable = $"CAMPUS_{host.Replace('-', '_').ToUpperInvariant()}_PORT";
        var port = int.TryParse(Environment.GetEnvironmentVariable(variable), out var p) ? p : DefaultPorts[host];
        return new Uri($"http://127.0.0.1:{port}/");
    }

    /// <summary>
    /// The repository root (holds <c>platform</c>): <c>CAMPUS_ROOT</c>, else found upwards from the test assembly.
    /// </summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The platform's state folder: <c>CAMPUS_DATA_DIR</c>, else <c>.data</c> under the root (as <c>./platform</c>).</summary>
    public static string DataDir { get; } = Environment.GetEnvironmentVariable("CAMPUS_DATA_DIR") is { Length: > 0 } dir
        ? dir
        : Path.Combine(Root, ".data");

    /// <summary>A loopback port free right now, for a process a test starts itself.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The pid file <c>./platform</c> wrote for a host.</summary>
    public static string PidFile(string host) => Path.Combine(DataDir, "pids", host + ".pid");

    /// <summary>Runs <c>./platform ARGS</c> (e.g. <c>stop rabbitmq</c>) and asserts it succeeded; its output goes to the test log.</summary>
    public static async Task RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = Platform.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(Platform.Root, "platform"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start ./platform");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;
        TestContext.Current.TestOutputHelper?.WriteLine($"./platform {string.Join(' ', args)} → {process.ExitCode}\n{output}");
        Assert.True(process.ExitCode == 0, $"./platform {string.Join(' ', args)} exited {process.ExitCode}: {output}");
    }

    private static string FindRoot()
    {
        if (Environment.GetEnvironmentVariable("CAMPUS_ROOT") is { Length: > 0 } root)
        {
            return root;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "platform")) && File.Exists(Path.Combine(dir.FullName, "Campus.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (set CAMPUS_ROOT).");
    }
}
