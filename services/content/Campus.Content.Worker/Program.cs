using Campus.Content.Worker;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddContentWorkerServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();

/// <summary>The content worker host (health and metrics only on HTTP); public for tests.</summary>
public partial class Program;
