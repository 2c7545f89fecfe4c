using Campus.Content;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddContentServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();

/// <summary>The content service host; public for <c>WebApplicationFactory</c> in tests.</summary>
public partial class Program;
