using System.Net.Http.Json;
using System.Text.Json;
using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Campus.Auth.Tests;

/// <summary>Helpers of the e-mail and password tests over <see cref="AuthFactory"/> (its fake clock expires tokens and locks).</summary>
public static class EmailFlows
{
    public const string ConfirmationRequested = "auth.user.email_confirmation_requested";
    public const string PasswordResetRequested = "auth.user.password_reset_requested";

    /// <summary>A unique address per test, so tests of one class never see each other's accounts.</summary>
    public static string NewEmail(string name = "user") => $"{name}.{Guid.NewGuid():N}@example.com";

    /// <summary>The events written to the outbox for <paramref name="email"/> under <paramref name="routingKey"/>, oldest first.</summary>
    public static async Task<List<JsonElement>> OutboxEventsAsync(this AuthFactory factory, string routingKey, string email)
    {
        await using var db = factory.Database.CreateContext();
        var payloads = await db.Set<OutboxMessage>().AsNoTracking()
            .Where(m => m.RoutingKey == routingKey)
            .OrderBy(m => m.CreatedAt)
            .Select(m => m.Payload)
            .ToListAsync();
        return [.. payloads.Select(p => JsonDocument.Parse(p).RootElement)
            .Where(e => e.GetProperty("email").GetString() == email)];
    }

    /// <summary>The plain token of the newest event of that kind for <paramref name="email"/> (what the mail would carry).</summary>
    public static async Task<string> LatestTokenAsync(this AuthFactory factory, string routingKey, string email)
    {
        var events = await factory.OutboxEventsAsync(routingKey, email);
        return events[^1].GetProperty("token").GetString()!;
    }

    /// <summary>Registers and confirms an account through the API; returns its id.</summary>
    public static async Task<Guid> CreateActiveAccountAsync(this AuthFactory factory, HttpClient client, string email, string password)
    {
        var register = await client.PostAsJsonAsync("/api/auth/email/register", new { email, password });
        register.EnsureSuccessStatusCode();
        var token = await factory.LatestTokenAsync(ConfirmationRequested, email);
        var confirm = await client.PostAsJsonAsync("/api/auth/email/confirm", new { token });
        confirm.EnsureSuccessStatusCode();
        await using var db = factory.Database.CreateContext();
        return await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
    }
}
