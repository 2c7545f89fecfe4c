using Campus.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Campus.Data;

/// <summary><c>SELECT 1</c> on <c>ConnectionStrings:Database</c>, on a connection of its own.</summary>
internal sealed class PostgresDependencyCheck(IConfiguration configuration) : IDependencyCheck
{
    private NpgsqlConnectionStringBuilder? Settings =>
        configuration.GetConnectionString(Microsoft.Extensions.Hosting.DatabaseExtensions.ConnectionName) is { Length: > 0 } value
            ? new NpgsqlConnectionStringBuilder(value)
            : null;

    public string Name => "postgres";

    public string? Target => Settings is { } settings
        ? $"{settings.Host}:{settings.Port}/{settings.Database} as {settings.Username}"
        : null;

    public IEnumerable<string> Secrets => Settings?.Password is { Length: > 0 } password ? [password] : [];

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var settings = Settings!;
        settings.Pooling = false;
        settings.Timeout = 5;
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        var result = await command.ExecuteScalarAsync(cancellationToken);
        return result is 1 ? "SELECT 1" : throw new InvalidOperationException($"SELECT 1 returned {result}.");
    }
}
