using Campus.Auth.Sms;
using Campus.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Campus.Auth.Tests;

/// <summary>The production SMS provider (SMS.ru-style HTTP API) against a local fake server on 127.0.0.1.</summary>
public sealed class SmsRuSenderTests : IAsyncLifetime
{
    private readonly Queue<(int Status, string Body)> _answers = new();
    private readonly List<IFormCollection> _requests = [];
    private WebApplication? _server;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _server = await LoopbackServer.StartAsync(app => app.MapPost("/sms/send", async (HttpRequest request) =>
        {
            lock (_requests)
            {
                _requests.Add(request.Form);
            }
            var (status, body) = _answers.TryDequeue(out var next) ? next : (200, Ok);
            return Results.Text(body, "application/json", statusCode: status);
        }));

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private const string Ok = """{"status":"OK","status_code":100,"sms":{"79001234567":{"status":"OK","status_code":100,"sms_id":"1"}},"balance":1}""";

    [Fact]
    public async Task Sends_the_phone_without_plus_the_text_and_the_key()
    {
        await Sender().SendAsync("+79001234567", "code 123456", Ct);

        var form = Assert.Single(_requests);
        Assert.Equal("79001234567", form["to"]);
        Assert.Equal("code 123456", form["msg"]);
        Assert.Equal("test-key", form["api_id"]);
        Assert.Equal("1", form["json"]);
    }

    [Fact]
    public async Task Retries_after_a_5xx_and_then_delivers()
    {
        _answers.Enqueue((503, "{}"));

        await Sender().SendAsync("+79001234567", "code", Ct);

        Assert.Equal(2, _requests.Count);
    }

    [Fact]
    public async Task Gives_up_with_a_clear_error_when_the_provider_keeps_failing()
    {
        for (var i = 0; i < 3; i++)
        {
            _answers.Enqueue((500, "{}"));
        }

        var error = await Assert.ThrowsAsync<SmsDeliveryException>(() => Sender().SendAsync("+79001234567", "code", Ct));

        Assert.Contains("HTTP 500", error.Message);
        Assert.Equal(3, _requests.Count);
    }

    [Fact]
    public async Task A_refusal_is_a_clear_error_and_is_not_retried()
    {
        _answers.Enqueue((200, """{"status":"ERROR","status_code":200,"status_text":"Неправильный api_id"}"""));

        var error = await Assert.ThrowsAsync<SmsDeliveryException>(() => Sender().SendAsync("+79001234567", "code", Ct));

        Assert.Contains("refused", error.Message);
        Assert.Contains("200", error.Message);
        Assert.Single(_requests);
    }

    [Fact]
    public async Task A_refusal_for_the_number_is_a_clear_error()
    {
        _answers.Enqueue((200, """{"status":"OK","status_code":100,"sms":{"79001234567":{"status":"ERROR","status_code":207,"status_text":"no route"}}}"""));

        var error = await Assert.ThrowsAsync<SmsDeliveryException>(() => Sender().SendAsync("+79001234567", "code", Ct));

        Assert.Contains("207", error.Message);
    }

    private ISmsSender Sender()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sms:Provider"] = "smsru",
            ["Sms:BaseUrl"] = _server!.Address(),
            ["Sms:ApiKey"] = "test-key",
            ["Sms:AttemptTimeout"] = "00:00:02",
        });
        builder.AddSms();
        return builder.Build().Services.GetRequiredService<ISmsSender>();
    }
}
