namespace Campus.Analytics.Reports;

internal static class ReportsRegistration
{
    /// <summary>The report settings (section <c>Reports</c>), validated at start.</summary>
    public static void AddReports(this IHostApplicationBuilder builder) =>
        builder.Services.AddOptions<ReportOptions>()
            .BindConfiguration(ReportOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
}
