namespace Campus.Testing;

/// <summary>
/// Where the real local servers started by <c>./platform</c> listen. The same environment variables that move
/// the platform's ports move the tests.
/// </summary>
public static class TestInfrastructure
{
    private static string Port(string variable, int fallback) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : fallback.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Connection string of a database on the local PostgreSQL (user <c>campus</c>, trust on loopback).</summary>
    public static string PostgresConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port("CAMPUS_POSTGRES_PORT", 5433)};Username=campus;Database={database};Pooling=true";

    public static string RabbitMqUri => $"amqp://guest:guest@127.0.0.1:{Port("CAMPUS_RABBITMQ_PORT", 5673)}/";

    public static string RedisConnectionString => $"127.0.0.1:{Port("CAMPUS_REDIS_PORT", 6380)}";

    public static string S3Url => $"http://127.0.0.1:{Port("CAMPUS_S3_PORT", 4569)}";

    public const string S3AccessKey = "S3RVER";
    public const string S3SecretKey = "S3RVER";

    /// <summary>A loopback port nothing listens on (one the system just handed out and took back): a dependency that is down.</summary>
    public static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A short unique name for test-owned resources: databases, queue and key prefixes, buckets.</summary>
    public static string UniqueName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The repository root (the folder with Campus.slnx), found from the test's output folder.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Campus.slnx")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException("Campus.slnx was not found above " + AppContext.BaseDirectory);
        }
    }
}
