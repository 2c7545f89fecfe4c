using Campus.Notifications;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddCampusOpenApi();
builder.AddNotificationsServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapCampusOpenApi();
app.Run();

/// <summary>The notifications service host; public for <c>WebApplicationFactory</c> in tests.</summary>
public partial class Program;
