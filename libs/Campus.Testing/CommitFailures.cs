using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Campus.Testing;

/// <summary>
/// Makes one commit fail as if the database went away at that moment (an <see cref="NpgsqlException"/>, which hosts
/// answer with 503), so a test can show what a failed commit leaves behind. Registered on every
/// <see cref="CampusHostFactory{TProgram, TContext}"/> host; it does nothing until <see cref="FailNext"/>.
/// </summary>
public sealed class CommitFailures : DbTransactionInterceptor
{
    private Func<DbContext, bool>? _when;
    private int _failed;

    /// <summary>How many commits were failed so far.</summary>
    public int Failed => _failed;

    /// <summary>
    /// Fails the next commit (an explicit transaction's, or the one SaveChanges makes itself) of a context for which
    /// <paramref name="when"/> is true, e.g. one that tracks the entity the request under test changes. Only once.
    /// </summary>
    public void FailNext(Func<DbContext, bool> when) => _when = when;

    public override InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        FailIfArmed(eventData);
        return result;
    }

    public override ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData,
        InterceptionResult result, CancellationToken cancellationToken = default)
    {
        FailIfArmed(eventData);
        return ValueTask.FromResult(result);
    }

    private void FailIfArmed(TransactionEventData eventData)
    {
        if (_when is { } when && eventData.Context is { } context && when(context)
            && Interlocked.CompareExchange(ref _when, null, when) == when)
        {
            Interlocked.Increment(ref _failed);
            throw new NpgsqlException("The connection was lost at the commit (a test's CommitFailures).");
        }
    }
}
