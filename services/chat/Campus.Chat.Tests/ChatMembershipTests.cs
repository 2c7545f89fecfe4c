using Campus.Chat.Chats;
using Microsoft.Extensions.DependencyInjection;
using static Campus.Chat.Tests.ChatTestClient;

namespace Campus.Chat.Tests;

/// <summary><see cref="ChatMembership"/> itself: who may invite and remove, and what each refusal is.</summary>
public sealed class ChatMembershipTests(ChatFactory factory) : IClassFixture<ChatFactory>
{
    private readonly Guid _alice = Guid.NewGuid();
    private readonly Guid _bob = Guid.NewGuid();
    private readonly Guid _carol = Guid.NewGuid();

    [Fact]
    public async Task Moderators_invite_and_remove_members_refuse_and_strangers_find_nothing()
    {
        using var alice = factory.ClientFor(factory.Jwt, _alice);
        var chat = await alice.CreateGroupAsync(_bob);
        await factory.RegisterAsync(_carol);
        await using var scope = factory.Services.CreateAsyncScope();
        var membership = scope.ServiceProvider.GetRequiredService<ChatMembership>();
        var stranger = Guid.NewGuid();

        Assert.IsType<MembershipResult.Invalid>(await membership.InviteAsync(chat, _alice, false, [Guid.Empty], Ct));
        Assert.IsType<MembershipResult.ChatNotFound>(await membership.InviteAsync(chat, stranger, false, [_carol], Ct));
        Assert.IsType<MembershipResult.NotModerator>(await membership.InviteAsync(chat, _bob, false, [_carol], Ct));
        var unknown = Assert.IsType<MembershipResult.UnknownUsers>(await membership.InviteAsync(chat, _alice, false, [_carol, stranger], Ct));
        Assert.Equal(stranger, Assert.Single(unknown.UserIds));
        var invited = Assert.IsType<MembershipResult.Invited>(await membership.InviteAsync(chat, _alice, false, [_carol], Ct));
        Assert.Equal(_carol, Assert.Single(invited.Chat.InvitedUserIds));

        Assert.IsType<MembershipResult.NotModerator>(await membership.RemoveAsync(chat, _alice, _bob, false, Ct));
        Assert.IsType<MembershipResult.Removed>(await membership.RemoveAsync(chat, _carol, _alice, false, Ct));
        Assert.IsType<MembershipResult.ParticipantNotFound>(await membership.RemoveAsync(chat, _carol, _alice, false, Ct));
        Assert.IsType<MembershipResult.ParticipantNotFound>(await membership.RemoveAsync(chat, stranger, Guid.NewGuid(), true, Ct));
        Assert.IsType<MembershipResult.Removed>(await membership.RemoveAsync(chat, _bob, _bob, false, Ct));
        Assert.IsType<MembershipResult.ChatNotFound>(await membership.RemoveAsync(chat, _bob, _bob, false, Ct));
    }
}
