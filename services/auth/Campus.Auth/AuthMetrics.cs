using System.Diagnostics.Metrics;

namespace Campus.Auth;

/// <summary>
/// The auth service's counters, on the <c>Campus.Auth</c> meter (exported by ServiceDefaults as
/// <c>campus_auth_*_total</c> on <c>/metrics</c>). Never tagged with a phone, e-mail or user id: cardinality and privacy.
/// </summary>
public sealed class AuthMetrics
{
    public const string MeterName = "Campus.Auth";

    private readonly Counter<long> _codesSent;
    private readonly Counter<long> _codesVerified;
    private readonly Counter<long> _codesFailed;
    private readonly Counter<long> _locks;
    private readonly Counter<long> _logins;
    private readonly Counter<long> _rotations;
    private readonly Counter<long> _reuses;
    private readonly Counter<long> _codesRefused;
    private readonly Counter<long> _smsBudgetExhausted;

    public AuthMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _codesSent = meter.CreateCounter<long>("campus.auth.otp.sent", description: "Sign-in codes sent by SMS.");
        _codesVerified = meter.CreateCounter<long>("campus.auth.otp.verified", description: "Sign-in codes verified.");
        _codesFailed = meter.CreateCounter<long>("campus.auth.otp.failed", description: "Wrong, expired or unknown codes entered.");
        _locks = meter.CreateCounter<long>("campus.auth.locks", description: "Phones or accounts locked after too many failures.");
        _logins = meter.CreateCounter<long>("campus.auth.logins", description: "Sign-ins that issued tokens, by method.");
        _rotations = meter.CreateCounter<long>("campus.auth.refresh.rotations", description: "Refresh tokens rotated.");
        _reuses = meter.CreateCounter<long>("campus.auth.refresh.reuse_detected", description: "Rotated refresh tokens presented after the grace window.");
        _codesRefused = meter.CreateCounter<long>("campus.auth.otp.refused", description: "Code requests refused before anything was sent, by reason.");
        _smsBudgetExhausted = meter.CreateCounter<long>("campus.auth.sms.budget_exhausted",
            description: "Code requests refused because the hourly SMS budget is spent (alert on any increase).");
    }

    public void CodeSent() => _codesSent.Add(1);

    /// <param name="reason"><c>invalid</c>, <c>expired</c>, <c>locked</c>, <c>guarded</c> or <c>source_blocked</c>.</param>
    public void CodeFailed(string reason) => _codesFailed.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void CodeVerified() => _codesVerified.Add(1);

    /// <param name="reason"><c>phone_not_supported</c>, <c>source_blocked</c> or <c>sms_budget_exhausted</c>.</param>
    public void CodeRefused(string reason) => _codesRefused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void SmsBudgetExhausted() => _smsBudgetExhausted.Add(1);

    /// <param name="kind"><c>phone_source</c> (a phone for one source), <c>phone_guard</c> (a phone guarded), <c>source</c>
    /// (a source blocked) or <c>account</c> (e-mail sign-in).</param>
    public void Locked(string kind) => _locks.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <param name="method"><c>phone</c> or <c>email</c>.</param>
    public void Login(string method) => _logins.Add(1, new KeyValuePair<string, object?>("method", method));

    public void RefreshRotated() => _rotations.Add(1);

    public void RefreshReuseDetected() => _reuses.Add(1);
}
