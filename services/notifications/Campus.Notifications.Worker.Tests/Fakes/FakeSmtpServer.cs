using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Campus.Notifications.Worker.Tests.Fakes;

/// <summary>
/// A small SMTP responder on 127.0.0.1 standing in for a third-party relay: it speaks just enough of RFC 5321 for
/// MailKit (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), answers RCPT by <see cref="RecipientReply"/> (250, 4xx or
/// 5xx), records accepted mails, and can be stopped and started again on the same port (relay down).
/// </summary>
public sealed class FakeSmtpServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedMail> _mails = new();
    private TcpListener? _listener;
    private CancellationTokenSource _stop = new();
    private readonly List<Task> _sessions = [];

    public int Port { get; private set; }

    /// <summary>The reply to <c>RCPT TO:&lt;address&gt;</c>; <c>"250 OK"</c> unless a test changes it.</summary>
    public Func<string, string> RecipientReply { get; set; } = _ => "250 2.1.5 OK";

    public IReadOnlyCollection<ReceivedMail> Mails => _mails;

    public static FakeSmtpServer Start()
    {
        var server = new FakeSmtpServer();
        server.Listen(0);
        return server;
    }

    /// <summary>Closes the listener and every open session: connections are refused until <see cref="Resume"/>.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        _listener?.Stop();
        _listener = null;
        Task[] sessions;
        lock (_sessions)
        {
            sessions = [.. _sessions];
            _sessions.Clear();
        }
        await Task.WhenAll(sessions.Select(s => s.ContinueWith(_ => { }, TaskScheduler.Default)));
    }

    public void Resume()
    {
        _stop = new CancellationTokenSource();
        Listen(Port);
    }

    private void Listen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _listener = listener;
        var token = _stop.Token;
        _ = Task.Run(async () =>
        {
            while (!token.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await listener.AcceptTcpClientAsync(token);
                }
                catch (Exception)
                {
                    return;
                }
                lock (_sessions)
                {
                    _sessions.Add(Task.Run(() => SessionAsync(client, token), CancellationToken.None));
                }
            }
        }, CancellationToken.None);
    }

    private async Task SessionAsync(TcpClient client, CancellationToken token)
    {
        using var _ = client;
        await using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        try
        {
            await writer.WriteLineAsync("220 fake-smtp ESMTP ready");
            string? from = null;
            var recipients = new List<string>();
            while (await reader.ReadLineAsync(token) is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-fake-smtp");
                        await writer.WriteLineAsync("250 8BITMIME");
                        break;
                    case "HELO":
                        await writer.WriteLineAsync("250 fake-smtp");
                        break;
                    case "MAIL":
                        from = Address(line);
                        recipients.Clear();
                        await writer.WriteLineAsync("250 2.1.0 OK");
                        break;
                    case "RCPT":
                        var reply = RecipientReply(Address(line));
                        if (reply.StartsWith('2'))
                        {
                            recipients.Add(Address(line));
                        }
                        await writer.WriteLineAsync(reply);
                        break;
                    case "DATA":
                        if (recipients.Count == 0)
                        {
                            await writer.WriteLineAsync("554 5.5.1 No valid recipients");
                            break;
                        }
                        await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync(token) is { } dataLine && dataLine != ".")
                        {
                            data.Append(dataLine.StartsWith("..", StringComparison.Ordinal) ? dataLine[1..] : dataLine).Append("\r\n");
                        }
                        _mails.Enqueue(new ReceivedMail(from ?? "", [.. recipients], data.ToString()));
                        await writer.WriteLineAsync("250 2.0.0 Queued");
                        break;
                    case "RSET":
                        from = null;
                        recipients.Clear();
                        await writer.WriteLineAsync("250 2.0.0 OK");
                        break;
                    case "NOOP":
                        await writer.WriteLineAsync("250 2.0.0 OK");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 2.0.0 Bye");
                        return;
                    default:
                        await writer.WriteLineAsync("502 5.5.2 Command not implemented");
                        break;
                }
            }
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            // Stopped: the session just ends, as when a relay goes away.
        }
        catch (IOException)
        {
            // The client hung up.
        }
    }

    private static string Address(string line)
    {
        var start = line.IndexOf('<', StringComparison.Ordinal);
        var end = line.IndexOf('>', StringComparison.Ordinal);
        return start >= 0 && end > start ? line[(start + 1)..end] : "";
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}

/// <summary>A mail the fake relay accepted: envelope and raw DATA.</summary>
public sealed record ReceivedMail(string From, IReadOnlyList<string> Recipients, string Data);
