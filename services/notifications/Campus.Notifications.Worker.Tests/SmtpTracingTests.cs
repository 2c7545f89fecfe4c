using System.Diagnostics;
using Campus.Notifications.Worker.Email;
using Campus.Notifications.Worker.Tests.Fakes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace Campus.Notifications.Worker.Tests;

/// <summary>With detailed tracing, a mail's conversation with the SMTP relay is part of the delivery's trace.</summary>
public sealed class SmtpTracingTests
{
    private static readonly ActivitySource Delivery = new("Campus.Tests.Delivery");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_detailed_tracing_the_smtp_conversation_is_a_span_of_the_deliverys_trace()
    {
        var (spans, traceId) = await SendTracedAsync(detailed: true);

        // MailKit's source is process-wide: spans of other tests' mails sent meanwhile are exported too, in their own traces.
        Assert.Contains(spans, span => span.Source.Name == MailKit.Telemetry.SmtpClient.ActivitySourceName && span.TraceId == traceId
            && span.DisplayName == "Send");
    }

    [Fact]
    public async Task Without_detailed_tracing_no_smtp_span_is_recorded()
    {
        var (spans, traceId) = await SendTracedAsync(detailed: false);

        Assert.DoesNotContain(spans, span => span.Source.Name == MailKit.Telemetry.SmtpClient.ActivitySourceName);
        Assert.Contains(spans, span => span.Source.Name == Delivery.Name && span.TraceId == traceId);
    }

    /// <summary>One mail sent through the worker's e-mail registration inside a delivery span; the spans exported.</summary>
    private static async Task<(List<Activity> Spans, ActivityTraceId TraceId)> SendTracedAsync(bool detailed)
    {
        await using var smtp = FakeSmtpServer.Start();
        var spans = new List<Activity>();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Tracing:Detailed"] = detailed ? "true" : "false",
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Smtp:Security"] = "None",
            ["Smtp:FromAddress"] = "no-reply@campus.test",
        });
        builder.AddEmailDelivery();
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource(Delivery.Name).AddInMemoryExporter(spans));
        var host = builder.Build();
        ActivityTraceId traceId;
        // Disposed asynchronously: the SMTP sender (a singleton) closes its pooled connections that way.
        await using (host as IAsyncDisposable)
        {
            await host.StartAsync(Ct);
            using (var delivery = Delivery.StartActivity("deliver"))
            {
                traceId = delivery!.TraceId;
                await host.Services.GetRequiredService<IEmailSender>().SendAsync(
                    new EmailMessage("ann@example.test", "Course assigned", "Open it."), Ct);
            }
            await host.StopAsync(Ct);
        }
        Assert.Single(smtp.Mails);
        return (spans, traceId);
    }
}
