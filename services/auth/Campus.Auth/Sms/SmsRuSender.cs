using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Campus.Auth.Sms;

/// <summary>
/// An SMS.ru-style JSON API: <c>POST {BaseUrl}/sms/send</c> (form: api_id, to, msg, json=1) answering
/// <c>{"status":"OK","sms":{"79001234567":{"status":"OK","status_code":100}}}</c> or
/// <c>{"status":"ERROR","status_code":200,"status_text":"..."}</c>. Timeouts and retries on 5xx come from the resilience
/// handler registered with the client (see <c>SmsExtensions</c>).
/// </summary>
public sealed class SmsRuSender(HttpClient http, IOptions<SmsOptions> options, ILogger<SmsRuSender> logger) : ISmsSender
{
    public async Task SendAsync(string phone, string text, CancellationToken ct)
    {
        var settings = options.Value;
        if (string.IsNullOrWhiteSpace(settings.ApiKey))
        {
            throw new SmsDeliveryException("The setting 'Sms:ApiKey' is required for the smsru provider.");
        }
        var to = phone.TrimStart('+');
        var form = new Dictionary<string, string> { ["api_id"] = settings.ApiKey, ["to"] = to, ["msg"] = text, ["json"] = "1" };
        if (settings.From is { Length: > 0 } from)
        {
            form["from"] = from;
        }

        SmsRuResponse? answer;
        try
        {
            using var response = await http.PostAsync(new Uri(new Uri(settings.BaseUrl.TrimEnd('/') + "/"), "sms/send"), new FormUrlEncodedContent(form), ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new SmsDeliveryException($"The SMS provider answered HTTP {(int)response.StatusCode}.");
            }
            answer = await response.Content.ReadFromJsonAsync<SmsRuResponse>(ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException
            or Polly.Timeout.TimeoutRejectedException && !ct.IsCancellationRequested)
        {
            throw new SmsDeliveryException($"The SMS provider could not be reached: {e.GetType().Name}.", e);
        }

        var perNumber = answer?.Sms?.GetValueOrDefault(to);
        if (answer?.Status != "OK" || perNumber is { Status: not "OK" })
        {
            var code = perNumber?.StatusCode ?? answer?.StatusCode;
            var reason = perNumber?.StatusText ?? answer?.StatusText ?? "no reason given";
            logger.LogWarning("The SMS provider refused a message: status {StatusCode} {Reason}", code, reason);
            throw new SmsDeliveryException($"The SMS provider refused the message: status {code} ({reason}).");
        }
    }

    private sealed record SmsRuResponse(
        [property: JsonPropertyName("status")] string? Status,
        [property: JsonPropertyName("status_code")] int? StatusCode,
        [property: JsonPropertyName("status_text")] string? StatusText,
        [property: JsonPropertyName("sms")] Dictionary<string, SmsRuResponse>? Sms);
}
