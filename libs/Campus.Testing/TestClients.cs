using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Testing;

/// <summary>The clients and database look-ups every service's integration tests share.</summary>
public static class TestClients
{
    /// <summary>
    /// A client of <paramref name="host"/> carrying a real access token of <paramref name="jwt"/> for
    /// <paramref name="userId"/> with <paramref name="roles"/> (comma-separated). It does not follow redirects:
    /// a test sees every 302 itself.
    /// </summary>
    public static HttpClient ClientFor<TProgram>(this WebApplicationFactory<TProgram> host, TestJwtIssuer jwt, Guid userId,
        string roles = "student") where TProgram : class
    {
        // Started first: a host on real Kestrel (UseKestrel) knows its address only then, and explicit client options
        // would otherwise send the client to http://localhost.
        _ = host.Services;
        var client = host.CreateClient(new WebApplicationFactoryClientOptions
        {
            AllowAutoRedirect = false,
            BaseAddress = host.ClientOptions.BaseAddress,
        });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", jwt.CreateToken(userId, roles));
        return client;
    }

    /// <summary>A client of the host carrying a real access token of its own issuer for <paramref name="userId"/>.</summary>
    public static HttpClient ClientFor<TProgram>(this CampusHostFactory<TProgram> factory, Guid userId,
        string roles = "student") where TProgram : class =>
        factory.ClientFor(factory.Jwt, userId, roles);

    /// <summary>Runs <paramref name="query"/> on a fresh context of the host's database (a scope of its own).</summary>
    public static async Task<T> QueryAsync<TProgram, TContext, T>(this CampusHostFactory<TProgram, TContext> factory,
        Func<TContext, Task<T>> query) where TProgram : class where TContext : DbContext
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<TContext>());
    }
}
