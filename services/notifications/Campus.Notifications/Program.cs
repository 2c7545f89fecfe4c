using Campus.Notifications;
using Campus.Notifications.Deliveries;
using Campus.Notifications.Settings;
using Campus.Notifications.Telegram;
using Campus.Notifications.Templates;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddCampusOpenApi();
builder.AddNotificationsServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapCampusOpenApi();
app.MapSettingsApi();
app.MapTemplatesApi();
app.MapDeliveriesApi();
app.MapTelegramLinkApi();
app.Run();

/// <summary>The notifications service host; public for <c>WebApplicationFactory</c> in tests.</summary>
public partial class Program;
