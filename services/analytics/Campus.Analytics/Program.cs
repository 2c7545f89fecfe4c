using Campus.Analytics;
using Campus.Analytics.Dashboard;
using Campus.Analytics.Facts;
using Campus.Analytics.Reports;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddCampusOpenApi();
builder.AddAnalyticsServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapCampusOpenApi();
app.MapDashboardApi();
app.MapRebuildApi();
app.MapReportsApi();
app.MapSchedulesApi();
app.Run();

/// <summary>The analytics service host; public for <c>WebApplicationFactory</c> in tests.</summary>
public partial class Program;
