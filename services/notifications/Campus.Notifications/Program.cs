using Campus.Notifications;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNotificationsServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();

/// <summary>The notifications service host; public for <c>WebApplicationFactory</c> in tests.</summary>
public partial class Program;
