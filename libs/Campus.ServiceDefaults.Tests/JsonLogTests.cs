using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Campus.ServiceDefaults.Tests;

public sealed class JsonLogTests
{
    [Fact]
    public void Request_and_sql_command_lines_are_off_by_default_and_configuration_still_sets_levels()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        // As appsettings.json or an environment variable would.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Debug" });
        builder.AddServiceDefaults();
        using var app = builder.Build();
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();

        Assert.False(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Warning));
        Assert.True(loggers.CreateLogger("Campus.Content.Learning").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Microsoft.EntityFrameworkCore.Database.Command").IsEnabled(LogLevel.Debug));
    }

    [Fact]
    public async Task Logs_are_json_lines_carrying_the_request_trace_id()
    {
        var ct = TestContext.Current.CancellationToken;
        var captured = new StringWriter();
        var original = Console.Out;
        Console.SetOut(TextWriter.Synchronized(captured));
        try
        {
            var marker = Guid.NewGuid().ToString("N");
            await using (var app = await TestApp.StartAsync(map: a => a.MapGet("/log", (ILogger<JsonLogTests> logger) =>
                {
                    logger.LogInformation("Marker {Marker}", marker);
                    return System.Diagnostics.Activity.Current?.TraceId.ToString();
                })))
            {
                var traceId = await app.Client.GetStringAsync("/log", ct);

                // The console logger writes from its own thread: wait for the line.
                JsonElement? line = null;
                for (var attempt = 0; attempt < 50 && line is null; attempt++)
                {
                    await Task.Delay(50, ct);
                    line = captured.ToString().Split('\n')
                        .Where(text => text.Contains(marker, StringComparison.Ordinal))
                        .Select(text => (JsonElement?)JsonDocument.Parse(text).RootElement)
                        .FirstOrDefault();
                }

                Assert.NotNull(line);
                Assert.Equal("Information", line.Value.GetProperty("LogLevel").GetString());
                Assert.Equal(marker, line.Value.GetProperty("State").GetProperty("Marker").GetString());
                var scopes = line.Value.GetProperty("Scopes").EnumerateArray();
                Assert.Contains(scopes, scope => scope.TryGetProperty("TraceId", out var id) && id.GetString() == traceId.Trim('"'));
            }
        }
        finally
        {
            Console.SetOut(original);
        }
    }
}
