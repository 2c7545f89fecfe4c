using Campus.ServiceDefaults;
using Campus.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Campus.Messaging.Tests;

/// <summary>The <c>rabbitmq</c> line of <c>check-dependencies</c> against the real broker.</summary>
public sealed class DependencyCheckTests
{
    [Fact]
    public async Task Publishes_and_consumes_a_message_on_a_temporary_queue()
    {
        var (exitCode, lines) = await CheckAsync(TestInfrastructure.RabbitMqUri);

        Assert.True(exitCode == 0, string.Join('\n', lines));
        Assert.Collection(lines,
            line => Assert.Matches(
                @"^rabbitmq +ok +amqp://127\.0\.0\.1:\d+/: published \(confirmed\) and consumed a message on a temporary queue \(\d+ ms\)$", line),
            line => Assert.Equal("check-dependencies: 1 ok, 0 failed", line));
    }

    [Fact]
    public async Task Fails_on_a_closed_port_without_printing_the_password()
    {
        var port = TestInfrastructure.ClosedPort();

        var (exitCode, lines) = await CheckAsync($"amqp://campus:amqp-secret-5@127.0.0.1:{port}/");

        Assert.Equal(1, exitCode);
        Assert.StartsWith($"rabbitmq  FAILED  amqp://127.0.0.1:{port}/: BrokerUnreachableException: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, line => line.Contains("amqp-secret-5", StringComparison.Ordinal));
    }

    private static async Task<(int ExitCode, string[] Lines)> CheckAsync(string uri)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "Campus.Messaging.Tests" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:RabbitMq"] = uri });
        builder.AddCampusMessaging();
        using var host = builder.Build();
        await using var output = new StringWriter();
        var exitCode = await HostCommands.RunAsync(host.Services, HostCommands.CheckDependencies, output, TestContext.Current.CancellationToken);
        return (exitCode, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
