using System.Diagnostics.Metrics;

namespace Campus.Auth.Email;

/// <summary>
/// Counters of the e-mail and password flows, on the service's meter <c>Campus.Auth</c> (the factory hands out the same
/// meter as <see cref="AuthMetrics"/>, which counts successful sign-ins and locks).
/// </summary>
public sealed class EmailMetrics
{
    private readonly Counter<long> _loginFailures;
    private readonly Counter<long> _registrations;
    private readonly Counter<long> _passwordResets;

    public EmailMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(AuthMetrics.MeterName);
        _loginFailures = meter.CreateCounter<long>("campus.auth.email.login_failures", description: "E-mail sign-ins refused, by reason.");
        _registrations = meter.CreateCounter<long>("campus.auth.email.registrations", description: "E-mail registrations, by result.");
        _passwordResets = meter.CreateCounter<long>("campus.auth.password.resets", description: "Password resets, by step.");
    }

    /// <param name="reason"><c>invalid_credentials</c>, <c>account_locked</c>, <c>email_not_confirmed</c> or <c>user_blocked</c>.</param>
    public void LoginFailed(string reason) => _loginFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <param name="result"><c>accepted</c> (a link mailed), <c>resend_suppressed</c> (a link went out within the resend
    /// interval), <c>weak_password</c> or <c>email_taken</c> (answered like the others, nothing mailed).</param>
    public void Registration(string result) => _registrations.Add(1, new KeyValuePair<string, object?>("result", result));

    /// <param name="step"><c>requested</c> or <c>completed</c>.</param>
    public void PasswordReset(string step) => _passwordResets.Add(1, new KeyValuePair<string, object?>("step", step));
}
