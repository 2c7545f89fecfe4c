using Campus.Gateway;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGatewayServices();

var app = builder.Build();
app.UseGatewayForwardedHeaders();
app.UseDevRouteRefusal();
app.MapDefaultEndpoints();
app.MapApiReference();
app.MapGateway();
app.Run();

/// <summary>The gateway host; public for <c>WebApplicationFactory</c> in tests.</summary>
public partial class Program;
