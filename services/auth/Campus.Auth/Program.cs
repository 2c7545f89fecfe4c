using Campus.Auth;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAuthServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();

/// <summary>The auth service host; public for <c>WebApplicationFactory</c> in tests.</summary>
public partial class Program;
