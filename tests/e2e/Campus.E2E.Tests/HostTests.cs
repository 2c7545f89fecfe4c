using System.Net;

namespace Campus.E2E.Tests;

/// <summary>Each host's own port: readiness and Prometheus metrics (not public, see <see cref="EdgeTests"/>).</summary>
public sealed class HostTests
{
    public static TheoryData<string> Hosts => new(Platform.Hosts);

    [Theory]
    [MemberData(nameof(Hosts))]
    public async Task Readyz_of_each_host_answers_200(string host)
    {
        var (status, body) = await Http.TryGetAsync(new Uri(Platform.HostUrl(host), "readyz"), TestContext.Current.CancellationToken);

        Assert.True(status == (int)HttpStatusCode.OK, $"{host} /readyz answered {status}: {body}");
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public async Task Metrics_of_each_host_have_the_request_duration_histogram(string host)
    {
        var ct = TestContext.Current.CancellationToken;
        // A request first, so that the histogram has at least one series.
        await Http.TryGetAsync(new Uri(Platform.HostUrl(host), "healthz"), ct);

        var (status, body) = await Http.TryGetAsync(new Uri(Platform.HostUrl(host), "metrics"), ct);

        Assert.Equal((int)HttpStatusCode.OK, status);
        Assert.Contains(
            body.Split('\n'),
            line => line.StartsWith("http_server_request_duration_seconds_bucket{", StringComparison.Ordinal));
    }
}
