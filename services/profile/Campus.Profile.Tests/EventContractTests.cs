using Campus.Messaging;
using Campus.Testing;

namespace Campus.Profile.Tests;

/// <summary>
/// The integration events of profile against libs/contracts/events: the ones profile publishes match their committed schema,
/// and its copies of other services' events read what their producers write (see <see cref="EventContracts"/>).
/// </summary>
public sealed class EventContractTests
{
    public static TheoryData<string> Events => EventContracts.EventsOf("profile");

    [Theory]
    [MemberData(nameof(Events))]
    public void Event_record_agrees_with_its_contract(string record) => EventContracts.Check("profile", record, IntegrationEventJson.Options);
}
