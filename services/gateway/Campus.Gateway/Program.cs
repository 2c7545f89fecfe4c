var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapReverseProxy();
app.Run();

/// <summary>The gateway host; public for <c>WebApplicationFactory</c> in tests.</summary>
public partial class Program;
