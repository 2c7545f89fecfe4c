using System.Net.Http.Headers;
using Campus.Profile.Data;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Profile.Tests;

internal static class ProfileClient
{
    /// <summary>A client carrying a real access token for <paramref name="userId"/> with <paramref name="roles"/>.</summary>
    public static HttpClient ClientFor(this ProfileFactory factory, Guid userId, string roles = "student")
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", factory.Jwt.CreateToken(userId, roles));
        return client;
    }

    /// <summary>Runs <paramref name="query"/> on a fresh context of the host's database.</summary>
    public static async Task<T> QueryAsync<T>(this ProfileFactory factory, Func<ProfileDbContext, Task<T>> query)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ProfileDbContext>());
    }
}
