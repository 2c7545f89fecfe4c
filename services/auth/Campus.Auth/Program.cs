using Campus.Auth;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddCampusOpenApi();
builder.AddAuthServices();

var app = builder.Build();
app.UseAuthForwardedHeaders();
app.MapDefaultEndpoints();
app.MapCampusOpenApi();
app.MapAuthApi();
app.Run();

/// <summary>The auth service host; public for <c>WebApplicationFactory</c> in tests.</summary>
public partial class Program;
