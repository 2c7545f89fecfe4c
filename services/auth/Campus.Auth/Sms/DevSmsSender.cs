using Campus.Auth.Data;
using Campus.Auth.Phone;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Auth.Sms;

/// <summary>A message the development SMS sender "sent": readable at <c>GET /api/auth/dev/sms-outbox</c>.</summary>
public sealed class DevSmsMessage
{
    public long Id { get; set; }

    public required string Phone { get; set; }

    public required string Text { get; set; }

    public DateTimeOffset SentAt { get; set; }
}

internal sealed class DevSmsMessageConfiguration : IEntityTypeConfiguration<DevSmsMessage>
{
    public void Configure(EntityTypeBuilder<DevSmsMessage> message)
    {
        message.ToTable("dev_sms_messages");
        message.HasKey(m => m.Id);
        message.Property(m => m.Phone).HasMaxLength(16);
        message.HasIndex(m => new { m.Phone, m.SentAt });
    }
}

/// <summary>
/// Development's SMS provider: writes the message into <c>dev_sms_messages</c>. A plain INSERT, not the caller's
/// change tracker, so sending never commits the caller's pending changes.
/// </summary>
public sealed class DevSmsSender(AuthDbContext db, TimeProvider time) : ISmsSender
{
    public async Task SendAsync(string phone, string text, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO dev_sms_messages (phone, text, sent_at) VALUES ({phone}, {text}, {now})", ct);
    }
}

public sealed record DevSmsResponse(string Phone, string Text, DateTimeOffset SentAt);

/// <summary>
/// Development only: what the dev SMS sender "sent" to a phone. Mapped only with <c>Sms:Provider</c> <c>dev</c>, which the
/// host refuses outside Development; never routed by the gateway nor the edge (a developer reads it on auth's own port).
/// </summary>
public static class DevSmsApi
{
    /// <param name="routes">The host's routes.</param>
    /// <param name="documentOnly">
    /// Mapped only so that the contract describes the route (the host is producing its OpenAPI document and has no dev
    /// SMS provider): the route then answers 404 like an unmapped one.
    /// </param>
    public static IEndpointRouteBuilder MapDevSmsApi(this IEndpointRouteBuilder routes, bool documentOnly = false)
    {
        var outbox = routes.MapGroup("/api/auth/dev")
            .MapGet("/sms-outbox", ListAsync)
            .WithName("GetDevSmsOutbox")
            .WithSummary("Development only: messages sent to a phone, newest first.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .DevelopmentOnly();
        if (documentOnly)
        {
            outbox.AddEndpointFilter((_, _) => ValueTask.FromResult<object?>(TypedResults.NotFound()));
        }
        return routes;
    }

    public static async Task<Results<Ok<List<DevSmsResponse>>, ProblemHttpResult>> ListAsync(
        [Bounds(MaxLength = PhoneNumberRules.MaxInputLength)] string phone, AuthDbContext db, CancellationToken ct)
    {
        if (phone.Length > PhoneNumberRules.MaxInputLength)
        {
            return Problems.InvalidField("phone", $"At most {PhoneNumberRules.MaxInputLength} characters.", "invalid_phone");
        }
        // Messages are stored under the E.164 form; any accepted spelling finds them.
        phone = PhoneNumberRules.Canonical(phone) ?? phone;
        var messages = await db.Set<DevSmsMessage>().AsNoTracking()
            .Where(m => m.Phone == phone)
            .OrderByDescending(m => m.SentAt).ThenByDescending(m => m.Id)
            .Take(50)
            .Select(m => new DevSmsResponse(m.Phone, m.Text, m.SentAt))
            .ToListAsync(ct);
        return TypedResults.Ok(messages);
    }
}
