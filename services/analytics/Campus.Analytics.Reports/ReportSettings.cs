using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Campus.Analytics.Reports;

public static class ReportSettings
{
    /// <summary>The report and schedule settings (sections <c>Reports</c>, <c>Schedules</c>), validated at start; both hosts read them.</summary>
    public static void AddReportSettings(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ReportsOptions>()
            .BindConfiguration(ReportsOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<SchedulesOptions>()
            .BindConfiguration(SchedulesOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
    }
}
