using System.Globalization;
using BenchKit;
using Campus.Testing;
using Campus.Content.Courses;

namespace Campus.Content.Tests;

/// <summary>
/// The performance gate fails when a read slows down: the course list with an injected delay (Testing:InjectedDelayMs,
/// twice the p99 limit of tests/perf/thresholds.json) is run through the gate's own scenario runner and judged against
/// the file's limits. A second of load at a low rate, in-process: cheap enough for every test run. The measured
/// latency of the slowed list cannot be under the delay, so the failing verdict does not depend on the machine's load.
/// </summary>
public sealed class PerfGateTests(PerfGateTests.SlowCourseListFactory slow, ContentFactory normal)
    : IClassFixture<PerfGateTests.SlowCourseListFactory>, IClassFixture<ContentFactory>
{
    private static readonly ScenarioLimits CourseList = GateThresholds.Load(GateThresholds.Find(AppContext.BaseDirectory)).Scenarios["course_list"];

    private static int Delay => (int)Math.Ceiling(Math.Max(CourseList.P95Ms, CourseList.P99Ms) * 2);

    [Fact]
    public async Task The_gate_fails_the_course_list_when_it_is_slowed_down()
    {
        using var client = slow.ClientFor(Guid.NewGuid());
        var result = await Gate.RunAsync("course_list", CourseList, seconds: 1, warmupSeconds: 0, async _ =>
        {
            using var response = await client.GetAsync("/api/content/courses", TestContext.Current.CancellationToken);
            return response.IsSuccessStatusCode;
        }, rate: 10);

        Assert.False(result.Passed);
        Assert.Contains("p95", result.Breaches);
        Assert.Equal(0, result.Load.Errors);
        Assert.True(result.Load.Latencies.P50 >= Delay, $"p50 {result.Load.Latencies.P50} ms, the delay {Delay} ms");
        Assert.Contains("FAIL p95,p99", Gate.Table([result]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_setting_the_course_list_has_no_delay()
    {
        // The fastest of ten answers, after a warm-up (a fresh host compiles and plans on its first calls): under the
        // delay when there is none, however busy the machine.
        using var client = normal.ClientFor(Guid.NewGuid());
        var fastest = double.MaxValue;
        for (var i = 0; i < 15; i++)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            using var response = await client.GetAsync("/api/content/courses", TestContext.Current.CancellationToken);
            Assert.True(response.IsSuccessStatusCode);
            if (i >= 5)
            {
                fastest = Math.Min(fastest, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        Assert.True(fastest < Delay, $"fastest {fastest} ms, the delay would be {Delay} ms");
    }

    /// <summary>Content with the course list slowed down on purpose.</summary>
    public sealed class SlowCourseListFactory : ContentFactory
    {
        protected override IDictionary<string, string?> Settings
        {
            get
            {
                var settings = base.Settings;
                settings[CoursesApi.InjectedDelaySetting] = Delay.ToString(CultureInfo.InvariantCulture);
                return settings;
            }
        }
    }
}
