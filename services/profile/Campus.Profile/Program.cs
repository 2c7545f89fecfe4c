using Campus.Profile;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddCampusOpenApi();
builder.AddProfileServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapCampusOpenApi();
app.Run();

/// <summary>The profile service host; public for <c>WebApplicationFactory</c> in tests.</summary>
public partial class Program;
