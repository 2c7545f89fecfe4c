using Campus.Messaging;
using Campus.Testing;

namespace Campus.Auth.Tests;

/// <summary>
/// The integration events of auth against libs/contracts/events: the ones auth publishes match their committed schema,
/// and its copies of other services' events read what their producers write (see <see cref="EventContracts"/>).
/// </summary>
public sealed class EventContractTests
{
    public static TheoryData<string> Events => EventContracts.EventsOf("auth");

    [Theory]
    [MemberData(nameof(Events))]
    public void Event_record_agrees_with_its_contract(string record) => EventContracts.Check("auth", record, IntegrationEventJson.Options);
}
