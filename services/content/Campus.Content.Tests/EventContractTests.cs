using Campus.Messaging;
using Campus.Testing;

namespace Campus.Content.Tests;

/// <summary>
/// The integration events of content against libs/contracts/events: the ones content publishes match their committed schema,
/// and its copies of other services' events read what their producers write (see <see cref="EventContracts"/>).
/// </summary>
public sealed class EventContractTests
{
    public static TheoryData<string> Events => EventContracts.EventsOf("content");

    [Theory]
    [MemberData(nameof(Events))]
    public void Event_record_agrees_with_its_contract(string record) => EventContracts.Check("content", record, IntegrationEventJson.Options);
}
