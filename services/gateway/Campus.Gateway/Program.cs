var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
// Routes: /api/<service>/... goes to the service unchanged; /api/<service>/healthz to its /healthz.
// /readyz and /metrics are never routed: they stay on each host's own port (appsettings.json "ReverseProxy").
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapReverseProxy();
app.Run();

/// <summary>The gateway host; public for <c>WebApplicationFactory</c> in tests.</summary>
public partial class Program;
