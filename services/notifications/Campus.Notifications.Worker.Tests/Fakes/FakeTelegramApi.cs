using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Campus.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Campus.Notifications.Worker.Tests.Fakes;

/// <summary>
/// A fake Telegram Bot API on a real loopback Kestrel: records every call (<c>/bot&lt;token&gt;/&lt;method&gt;</c>
/// with its JSON body), answers <c>sendMessage</c> from <see cref="SendMessageReply"/> and <c>getUpdates</c> from a
/// queue of updates, honouring <c>offset</c> the way Telegram does (updates below it are confirmed and dropped).
/// </summary>
public sealed class FakeTelegramApi : IAsyncDisposable
{
    public const string Token = "123456:TEST-token_abcdefghijklmnopqrstuvwxyz";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<BotCall> _calls = new();
    private readonly List<JsonObject> _updates = [];
    private int _nextUpdateId = 1000;

    private FakeTelegramApi(WebApplication app) => _app = app;

    public string BaseUrl => _app.Address();

    public IReadOnlyCollection<BotCall> Calls => _calls;

    public IEnumerable<BotCall> SendMessageCalls => _calls.Where(c => c.Method == "sendMessage");

    /// <summary>Answers one <c>sendMessage</c> (status, body); by default a successful message.</summary>
    public Func<BotCall, (int Status, string Body)> SendMessageReply { get; set; } = Ok;

    public static async Task<FakeTelegramApi> StartAsync()
    {
        FakeTelegramApi? api = null;
        var app = await LoopbackServer.StartAsync(app => app.MapPost("/bot{token}/{method}", (string token, string method, HttpRequest request) =>
            api!.HandleAsync(token, method, request)));
        api = new FakeTelegramApi(app);
        return api;
    }

    /// <summary>Queues a private-chat text message update, as a user typing (or a deep link sending) it.</summary>
    public void AddTextUpdate(long chatId, string? username, string text)
    {
        lock (_updates)
        {
            var chat = new JsonObject { ["id"] = chatId, ["type"] = "private", ["first_name"] = "Test" };
            var from = new JsonObject { ["id"] = chatId, ["is_bot"] = false, ["first_name"] = "Test" };
            if (username is not null)
            {
                chat["username"] = username;
                from["username"] = username;
            }
            _updates.Add(new JsonObject
            {
                ["update_id"] = _nextUpdateId++,
                ["message"] = new JsonObject
                {
                    ["message_id"] = _nextUpdateId,
                    ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                    ["chat"] = chat,
                    ["from"] = from,
                    ["text"] = text,
                },
            });
        }
    }

    public static (int, string) Ok(BotCall call) => (200, JsonSerializer.Serialize(new
    {
        ok = true,
        result = new
        {
            message_id = 1,
            date = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            chat = new { id = call.ChatId ?? 0, type = "private" },
            text = call.Text,
        },
    }));

    public static (int, string) Error(int status, string description, int? retryAfter = null) =>
        (status, JsonSerializer.Serialize(new
        {
            ok = false,
            error_code = status,
            description,
            parameters = retryAfter is { } seconds ? new { retry_after = seconds } : null,
        }));

    private async Task<IResult> HandleAsync(string token, string method, HttpRequest request)
    {
        var body = request.HasJsonContentType()
            ? (await JsonNode.ParseAsync(request.Body))?.AsObject() ?? []
            : [];
        var call = new BotCall(DateTimeOffset.UtcNow, token, method, body);
        _calls.Enqueue(call);
        if (token != Token)
        {
            return Json(Error(401, "Unauthorized"));
        }
        return method switch
        {
            "sendMessage" => Json(SendMessageReply(call)),
            "getUpdates" => await GetUpdatesAsync(body),
            _ => Json(Error(404, "Not Found: method not found")),
        };
    }

    private async Task<IResult> GetUpdatesAsync(JsonObject body)
    {
        var offset = body["offset"]?.GetValue<int>() ?? 0;
        var timeout = Math.Min(body["timeout"]?.GetValue<int>() ?? 0, 2);
        var deadline = DateTime.UtcNow.AddSeconds(timeout);
        while (true)
        {
            JsonArray result;
            lock (_updates)
            {
                _updates.RemoveAll(u => u["update_id"]!.GetValue<int>() < offset);
                result = [.. _updates.Select(u => u.DeepClone())];
            }
            if (result.Count > 0 || DateTime.UtcNow >= deadline)
            {
                return Json((200, new JsonObject { ["ok"] = true, ["result"] = result }.ToJsonString()));
            }
            await Task.Delay(50);
        }
    }

    private static IResult Json((int Status, string Body) reply) =>
        Results.Content(reply.Body, "application/json", statusCode: reply.Status);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>One request the fake Bot API received.</summary>
public sealed record BotCall(DateTimeOffset At, string Token, string Method, JsonObject Body)
{
    public long? ChatId => Body["chat_id"]?.GetValueKind() switch
    {
        JsonValueKind.Number => Body["chat_id"]!.GetValue<long>(),
        JsonValueKind.String => long.Parse(Body["chat_id"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };

    public string? Text => Body["text"]?.GetValue<string>();
}
