using Campus.Content;
using Campus.Content.Courses;
using Campus.Content.Documents;
using Campus.Content.Learning;
using Campus.Content.Media;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddCampusOpenApi();
builder.AddContentServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapCampusOpenApi();
app.MapCoursesApi();
app.MapSectionsApi();
app.MapMediaApi();
app.MapDocumentsApi();
app.MapEnrolmentsApi();
app.MapProgressApi();
app.Run();

/// <summary>The content service host; public for <c>WebApplicationFactory</c> in tests.</summary>
public partial class Program;
