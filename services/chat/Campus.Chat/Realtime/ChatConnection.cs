using System.Net.WebSockets;
using System.Threading.Channels;

namespace Campus.Chat.Realtime;

/// <summary>A frame for one socket: its UTF-8 JSON and, for <c>message.created</c>, the message's seq (0 otherwise).</summary>
public readonly record struct OutFrame(byte[] Utf8, long CreatedSeq);

/// <summary>
/// One open socket. Frames reach it through <see cref="Deliver"/>, which never blocks: they go into a bounded queue that
/// the socket's writer drains, and a full queue disconnects this socket (a slow consumer) without touching the others.
/// While the connection catches up from the database, live frames wait in a bounded list and are sent afterwards,
/// dropping messages already sent, so the client sees every seq once and in order.
/// </summary>
public sealed class ChatConnection(Guid chatId, Guid userId, WebSocket socket, int queueSize)
{
    private readonly Channel<OutFrame> _queue = Channel.CreateBounded<OutFrame>(
        new BoundedChannelOptions(queueSize) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _kicked = new();
    private readonly Lock _gate = new();
    private readonly int _queueSize = queueSize;
    private List<OutFrame>? _pending = [];
    private long _lastSeq;

    public Guid ChatId { get; } = chatId;

    public Guid UserId { get; } = userId;

    /// <summary>This socket's entry in its user's socket count (<see cref="ChatBudgets"/>).</summary>
    public Guid Id { get; init; } = Guid.NewGuid();

    /// <summary>The session (<c>sid</c>) of the token the socket was opened with: a revoked session closes it.</summary>
    public Guid? SessionId { get; init; }

    /// <summary>The token's security version (<c>sv</c>): a revocation of the user's tokens below a version closes it.</summary>
    public long SecurityVersion { get; init; }

    /// <summary>When this socket last passed a typing signal on (the client's typing frames are throttled per socket).</summary>
    public DateTimeOffset LastTypingAt { get; set; } = DateTimeOffset.MinValue;

    public WebSocket Socket { get; } = socket;

    /// <summary>Why the server closes this socket, once <see cref="Kick"/> was called.</summary>
    public (WebSocketCloseStatus Status, string Reason)? KickReason { get; private set; }

    public CancellationToken Kicked => _kicked.Token;

    /// <summary>Queues a live frame; called by the fan-out in seq order. Never blocks.</summary>
    public void Deliver(OutFrame frame)
    {
        lock (_gate)
        {
            if (_pending is not null)
            {
                _pending.Add(frame);
                if (_pending.Count > _queueSize)
                {
                    Kick(WebSocketCloseStatus.PolicyViolation, "send queue full");
                }
                return;
            }
            Enqueue(frame);
        }
    }

    /// <summary>Queues a frame for this socket alone (ack, error), in order with the live frames.</summary>
    public void Send(OutFrame frame) => Deliver(frame);

    /// <summary>Marks messages up to <paramref name="seq"/> as sent by the catch-up (which writes to the socket itself).</summary>
    public void CaughtUpTo(long seq)
    {
        lock (_gate)
        {
            _lastSeq = Math.Max(_lastSeq, seq);
        }
    }

    /// <summary>Ends the catch-up: queues the live frames that arrived meanwhile, minus messages already sent.</summary>
    public void GoLive()
    {
        lock (_gate)
        {
            var pending = _pending ?? [];
            _pending = null;
            foreach (var frame in pending)
            {
                Enqueue(frame);
            }
        }
    }

    /// <summary>Closes this socket with <paramref name="status"/> (the writer sends the close frame or aborts).</summary>
    public void Kick(WebSocketCloseStatus status, string reason)
    {
        lock (_gate)
        {
            if (KickReason is not null)
            {
                return;
            }
            KickReason = (status, reason);
        }
        _queue.Writer.TryComplete();
        _kicked.Cancel();
    }

    /// <summary>Sends queued frames until the socket closes or is kicked.</summary>
    public async Task WriteLoopAsync(CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, _kicked.Token);
        await foreach (var frame in _queue.Reader.ReadAllAsync(linked.Token))
        {
            await Socket.SendAsync(frame.Utf8, WebSocketMessageType.Text, endOfMessage: true, linked.Token);
        }
    }

    // Called under _gate.
    private void Enqueue(OutFrame frame)
    {
        if (frame.CreatedSeq > 0)
        {
            if (frame.CreatedSeq <= _lastSeq)
            {
                return; // already sent by the catch-up or an earlier copy
            }
            _lastSeq = frame.CreatedSeq;
        }
        if (!_queue.Writer.TryWrite(frame) && KickReason is null)
        {
            // 1008 policy violation: the client does not read fast enough; it reconnects with since_seq and loses nothing.
            Kick(WebSocketCloseStatus.PolicyViolation, "send queue full");
        }
    }
}
