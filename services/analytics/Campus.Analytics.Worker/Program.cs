using Campus.Analytics.Worker;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAnalyticsWorkerServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();

/// <summary>The analytics worker host (health and metrics only on HTTP); public for tests.</summary>
public partial class Program;
