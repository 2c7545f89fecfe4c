using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Campus.Testing;

/// <summary>
/// Real Kestrel on 127.0.0.1 at a free port: for hosts under test that must be reached over real HTTP, and for
/// stand-ins of the parties they call (a JWKS, an upstream service).
/// </summary>
public static class LoopbackServer
{
    /// <summary>Starts a bare server with the endpoints <paramref name="map"/> adds; no logging.</summary>
    public static async Task<WebApplication> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.ListenOnLoopback();
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return app;
    }

    /// <summary>Makes the host listen on 127.0.0.1 at a port the OS picks.</summary>
    public static void ListenOnLoopback(this WebApplicationBuilder builder) => builder.WebHost.UseUrls("http://127.0.0.1:0");

    /// <summary>The address a started server listens on, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public static string Address(this WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
}
