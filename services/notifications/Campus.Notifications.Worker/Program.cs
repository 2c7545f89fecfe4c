using Campus.Notifications.Worker;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNotificationsWorkerServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();

/// <summary>The notifications worker host (health and metrics only on HTTP); public for tests.</summary>
public partial class Program;
