using System.Globalization;

namespace Campus.E2E.Tests;

/// <summary>Series read straight from the hosts' <c>/metrics</c> (Prometheus text), without waiting for a scrape.</summary>
internal static class HostMetrics
{
    /// <summary>The sum of <paramref name="series"/> over <paramref name="hosts"/>, over the lines carrying every label.</summary>
    public static async Task<double> SumAsync(string[] hosts, string series, string[] labels)
    {
        var sum = 0.0;
        foreach (var host in hosts)
        {
            sum += (await ValuesAsync(host, series, labels)).Sum();
        }
        return sum;
    }

    /// <summary>The values of the lines of <paramref name="series"/> on <paramref name="host"/> that carry every label.</summary>
    public static async Task<List<double>> ValuesAsync(string host, string series, string[] labels)
    {
        var text = await Http.Client.GetStringAsync(new Uri(Platform.HostUrl(host), "metrics"), TestContext.Current.CancellationToken);
        return [.. text.Split('\n')
            .Where(line => (line.StartsWith(series + "{", StringComparison.Ordinal) || line.StartsWith(series + " ", StringComparison.Ordinal))
                && labels.All(label => line.Contains(label, StringComparison.Ordinal)))
            .Select(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))];
    }
}
