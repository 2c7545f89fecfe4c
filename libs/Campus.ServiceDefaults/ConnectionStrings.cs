using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>The connection strings a host reads (<c>ConnectionStrings:Database</c>, <c>ConnectionStrings:Redis</c>, ...).</summary>
public static class ConnectionStrings
{
    /// <summary>A connection string that must be set; its absence stops the host at start with the key named.</summary>
    public static string GetRequiredConnectionString(this IConfiguration configuration, string name)
    {
        var value = configuration.GetConnectionString(name);
        return string.IsNullOrWhiteSpace(value)
            ? throw new InvalidOperationException($"The setting 'ConnectionStrings:{name}' is required.")
            : value;
    }
}
