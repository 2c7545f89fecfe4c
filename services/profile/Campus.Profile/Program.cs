using Campus.Profile;
using Campus.Profile.Avatars;
using Campus.Profile.ExperienceLevels;
using Campus.Profile.Profiles;
using Campus.Profile.Social;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddCampusOpenApi();
builder.AddProfileServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapCampusOpenApi();
app.MapProfilesApi();
app.MapExperienceLevelsApi();
app.MapAvatarApi();
app.MapSocialApi();
app.Run();

/// <summary>The profile service host; public for <c>WebApplicationFactory</c> in tests.</summary>
public partial class Program;
