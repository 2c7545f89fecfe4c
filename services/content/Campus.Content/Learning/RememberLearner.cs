using Campus.Content.Data;
using Campus.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Learning;

/// <summary>
/// Keeps <c>learners</c> (department, time zone) from profile's <c>profile.profile.updated</c> and <c>profile.profile.snapshot</c>. The newest event wins
/// (occurred-at, then id), so redelivery and reordering are harmless. When a learner's department changes, the
/// department assignments of the new department enrol them (with the assignment's due rule, days counted from the
/// change). Leaving a department changes nothing: enrolments and progress stay.
/// </summary>
public sealed class RememberLearner(ContentDbContext db, CourseAssignment assignment, TimeProvider time)
    : IIntegrationEventHandler<ProfileUpdated>, IIntegrationEventHandler<ProfileSnapshot>
{
    public const string Queue = "content.profile-events";

    /// <summary>A snapshot is the profile's state like an update (same ordering rule: a newer update is never overwritten).</summary>
    public Task HandleAsync(ProfileSnapshot evt, MessageContext context, CancellationToken cancellationToken) =>
        HandleAsync(new ProfileUpdated(evt.UserId, [], evt.UserId, evt.Department, evt.TimeZone) { Id = evt.Id, OccurredAt = evt.OccurredAt },
            context, cancellationToken);

    public async Task HandleAsync(ProfileUpdated evt, MessageContext context, CancellationToken cancellationToken)
    {
        var ct = cancellationToken;
        var now = time.GetUtcNow();
        var department = string.IsNullOrWhiteSpace(evt.Department) ? null : evt.Department.Trim();
        if (department?.Length > Learner.DepartmentLength)
        {
            department = department[..Learner.DepartmentLength];
        }
        var zone = string.IsNullOrWhiteSpace(evt.TimeZone) || evt.TimeZone.Length > Learner.TimeZoneLength ? null : evt.TimeZone.Trim();

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var learner = await db.Learners.FromSql($"SELECT * FROM learners WHERE user_id = {evt.UserId} FOR UPDATE").SingleOrDefaultAsync(ct);
        bool joined;
        if (learner is null)
        {
            learner = new Learner
            {
                UserId = evt.UserId, Department = department, TimeZone = zone, EventOccurredAt = evt.OccurredAt, EventId = evt.Id,
                DepartmentSince = evt.OccurredAt, UpdatedAt = now,
            };
            db.Learners.Add(learner); // a concurrent first insert fails on the key: the message is retried and then updates
            joined = department is not null;
        }
        else if (learner.EventOccurredAt < evt.OccurredAt || (learner.EventOccurredAt == evt.OccurredAt && learner.EventId.CompareTo(evt.Id) < 0))
        {
            joined = department is not null && !string.Equals(learner.Department, department, StringComparison.Ordinal);
            if (!string.Equals(learner.Department, department, StringComparison.Ordinal))
            {
                learner.DepartmentSince = evt.OccurredAt;
            }
            learner.Department = department;
            learner.TimeZone = zone;
            learner.EventOccurredAt = evt.OccurredAt;
            learner.EventId = evt.Id;
            learner.UpdatedAt = now;
        }
        else
        {
            return; // an older event than what is stored
        }

        if (joined)
        {
            await assignment.EnrolJoinerAsync(evt.UserId, department!, zone, evt.OccurredAt, now, ct);
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }
}
