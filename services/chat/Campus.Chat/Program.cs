using Campus.Chat;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddCampusOpenApi();
builder.AddChatServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapCampusOpenApi();
app.Run();

/// <summary>The chat service host; public for <c>WebApplicationFactory</c> in tests.</summary>
public partial class Program;
