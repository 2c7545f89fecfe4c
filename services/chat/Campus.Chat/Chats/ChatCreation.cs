using Campus.Chat.Data;
using Campus.Chat.Registry;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Campus.Chat.Chats;

/// <summary>What creating a chat came to; the API maps it to a status and a problem code.</summary>
public abstract record CreateChatResult
{
    public sealed record Created(ChatDetails Chat) : CreateChatResult;
    /// <summary>The direct chat of the pair exists already (or the other user created it at the same moment).</summary>
    public sealed record Existing(ChatDetails Chat) : CreateChatResult;
    /// <summary>A request field is wrong (<paramref name="Field"/> is its wire name).</summary>
    public sealed record Invalid(string Field, string Code, string Detail) : CreateChatResult;
    public sealed record UnknownCourse : CreateChatResult;
    public sealed record NotCourseAuthor : CreateChatResult;
    /// <summary>Users named in the request that chat has never heard of.</summary>
    public sealed record UnknownUsers(IReadOnlyList<Guid> UserIds) : CreateChatResult;
}

/// <summary>
/// Creating a group, course or direct chat: the creator moderates it (a direct chat has no moderator), the others named
/// are invited, except a direct chat's other user, who is a member at once. A direct chat per pair is unique.
/// </summary>
public sealed class ChatCreation(ChatDbContext db, TimeProvider time)
{
    /// <param name="me">The caller.</param>
    /// <param name="isAdmin">The caller is an admin (creates any course's chat).</param>
    /// <param name="isAuthor">The caller has the author role (creates the chat of their own course).</param>
    /// <param name="request">The request as sent.</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<CreateChatResult> CreateAsync(Guid me, bool isAdmin, bool isAuthor, CreateChatRequest request, CancellationToken ct)
    {
        var others = (request.ParticipantIds ?? []).Where(id => id != me && id != Guid.Empty).Distinct().ToList();
        var title = string.IsNullOrWhiteSpace(request.Title) ? null : request.Title.Trim();
        if (request.Type is not { } type)
        {
            return new CreateChatResult.Invalid("type", "invalid_type", "type is one of group, direct, course.");
        }
        if (request.ParticipantIds?.Length > ChatRules.MaxParticipantsPerRequest)
        {
            return new CreateChatResult.Invalid("participant_ids", "too_many_participants", $"At most {ChatRules.MaxParticipantsPerRequest} participants per request.");
        }
        if (request.Title?.Length > ChatRules.TitleLength)
        {
            return new CreateChatResult.Invalid("title", "title_too_long", $"A title has at most {ChatRules.TitleLength} characters.");
        }
        var now = time.GetUtcNow();
        var chat = new ChatRoom { Id = Guid.CreateVersion7(), Type = type, CreatedBy = me, CreatedAt = now, LastActivityAt = now };
        switch (type)
        {
            case ChatType.Direct:
                if (others.Count != 1 || request.ParticipantIds!.Length != 1)
                {
                    return new CreateChatResult.Invalid("participant_ids", "direct_needs_one_participant", "A direct chat has exactly one other user in participant_ids.");
                }
                chat.DirectKey = ChatRoom.DirectKeyOf(me, others[0]);
                if (await FindDirectAsync(chat.DirectKey, me, ct) is { } existing)
                {
                    return new CreateChatResult.Existing(existing);
                }
                break;
            case ChatType.Group:
                if (title is null)
                {
                    return new CreateChatResult.Invalid("title", "title_required", "A group chat has a title.");
                }
                chat.Title = title;
                break;
            case ChatType.Course:
                if (title is null || request.CourseId is not { } courseId || courseId == Guid.Empty)
                {
                    return new CreateChatResult.Invalid("course_id", "course_required", "A course chat has a title and a course_id.");
                }
                var course = await db.KnownCourses.AsNoTracking().FirstOrDefaultAsync(c => c.CourseId == courseId && !c.Deleted, ct);
                if (course is null)
                {
                    return new CreateChatResult.UnknownCourse();
                }
                if (!isAdmin && !(course.AuthorId == me && isAuthor))
                {
                    return new CreateChatResult.NotCourseAuthor();
                }
                chat.Title = title;
                chat.CourseId = courseId;
                break;
        }

        if (others.Count > 0 && await KnownUsers.UnknownAsync(db, others, ct) is { Count: > 0 } unknown)
        {
            return new CreateChatResult.UnknownUsers(unknown);
        }
        db.Chats.Add(chat);
        // Nobody moderates a direct chat: its two members are equals (each may delete only their own messages).
        db.Participants.Add(new Participant
        {
            ChatId = chat.Id, UserId = me, JoinedAt = now,
            Role = type == ChatType.Direct ? ParticipantRole.Member : ParticipantRole.Moderator,
        });
        if (type == ChatType.Direct)
        {
            // A direct chat is a conversation with one person, as in any messenger: it needs no acceptance (either may
            // leave it).
            db.Participants.AddRange(others.Select(id => new Participant { ChatId = chat.Id, UserId = id, Role = ParticipantRole.Member, JoinedAt = now }));
        }
        else
        {
            db.Invitations.AddRange(others.Select(id => new Invitation { ChatId = chat.Id, UserId = id, InvitedBy = me, InvitedAt = now }));
        }
        // Whoever calls with a valid token exists, whether or not chat saw their registration.
        await KnownUsers.RememberAsync(db, [me], time, ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (chat.DirectKey is not null
            && ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // The other user created the same direct chat at the same moment.
            db.ChangeTracker.Clear();
            return new CreateChatResult.Existing((await FindDirectAsync(chat.DirectKey, me, ct))!);
        }
        return new CreateChatResult.Created((await ChatsApi.DetailsAsync(db, chat.Id, me, ct))!);
    }

    private async Task<ChatDetails?> FindDirectAsync(string directKey, Guid me, CancellationToken ct)
    {
        var id = await db.Chats.Where(c => c.DirectKey == directKey).Select(c => (Guid?)c.Id).FirstOrDefaultAsync(ct);
        return id is null ? null : await ChatsApi.DetailsAsync(db, id.Value, me, ct);
    }
}
