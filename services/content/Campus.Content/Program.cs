using Campus.Content;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddCampusOpenApi();
builder.AddContentServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapCampusOpenApi();
app.Run();

/// <summary>The content service host; public for <c>WebApplicationFactory</c> in tests.</summary>
public partial class Program;
