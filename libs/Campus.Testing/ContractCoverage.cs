using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Campus.Testing;

/// <summary>
/// Which operations of the contracts the tests exercised: every answer <see cref="ContractCheck"/> checks (a service's
/// integration tests) or <see cref="ContractCheckHandler"/> checks (the end-to-end suite through the edge) is counted by
/// operation and status. When the test process ends it writes its counts to
/// <c>&lt;folder&gt;/&lt;test assembly&gt;.tsv</c> and rewrites <c>&lt;folder&gt;/coverage.txt</c> from every such file there:
/// per contract, how many operations some test exercised and the ones none did, so that drift in an operation no test
/// calls does not go unseen. The folder is <c>CAMPUS_CONTRACT_COVERAGE_DIR</c>, else <c>.data/contract-coverage</c> in
/// the repository. A listing, not a gate.
/// </summary>
public static class ContractCoverage
{
    /// <summary>The listing merged from every test project's counts.</summary>
    public const string ListingFile = "coverage.txt";

    private static readonly ConcurrentDictionary<(string Service, string Method, string Template, int Status), int> Counts = new();
    private static int _registered;

    /// <summary>Where the counts and the listing are written.</summary>
    public static string Folder => Environment.GetEnvironmentVariable("CAMPUS_CONTRACT_COVERAGE_DIR") is { Length: > 0 } folder
        ? folder
        : Path.Combine(TestInfrastructure.RepositoryRoot, ".data", "contract-coverage");

    internal static void Record(ContractCheck.Contract contract, ContractCheck.Operation operation, int status)
    {
        if (operation.Unlisted)
        {
            return;
        }
        Counts.AddOrUpdate((contract.Service, operation.Method.ToUpperInvariant(), operation.Template, status), 1, (_, n) => n + 1);
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Write();
        }
    }

    /// <summary>Writes this process's counts and rewrites the listing; the listing's text is returned.</summary>
    public static string Write()
    {
        try
        {
            Directory.CreateDirectory(Folder);
            var name = Assembly.GetEntryAssembly()?.GetName().Name ?? "tests";
            var lines = Counts.OrderBy(c => c.Key.Service, StringComparer.Ordinal).ThenBy(c => c.Key.Template, StringComparer.Ordinal)
                .ThenBy(c => c.Key.Method, StringComparer.Ordinal).ThenBy(c => c.Key.Status)
                .Select(c => string.Join('\t', c.Key.Service, c.Key.Method, c.Key.Template, c.Key.Status.ToString(CultureInfo.InvariantCulture),
                    c.Value.ToString(CultureInfo.InvariantCulture)));
            WriteAtomically(Path.Combine(Folder, name + ".tsv"), string.Join('\n', lines) + "\n");
            var listing = Listing();
            WriteAtomically(Path.Combine(Folder, ListingFile), listing);
            return listing;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"contract coverage not written: {e.Message}";
        }
    }

    /// <summary>
    /// Per contract: operations that answered a success to any test project whose counts are in the folder (and to
    /// each), then every other operation: "only refused" (only errors were seen) or "not exercised" (never called).
    /// </summary>
    public static string Listing()
    {
        // An operation counts as exercised when a test got a success (2xx, 3xx) from it; one that only refused requests
        // (a 400 of a probe, a 401 without a token) is listed apart: its success schema was never checked.
        var answers = Directory.EnumerateFiles(Folder, "*.tsv").OrderBy(f => f, StringComparer.Ordinal)
            .Select(file => (Name: Path.GetFileNameWithoutExtension(file), Answers: File.ReadLines(file)
                .Select(line => line.Split('\t'))
                .Where(parts => parts.Length >= 4 && int.TryParse(parts[3], CultureInfo.InvariantCulture, out _))
                .Select(parts => (Key: (parts[0], parts[1], parts[2]), Success: int.Parse(parts[3], CultureInfo.InvariantCulture) < 400))
                .ToList()))
            .ToList();
        var sources = answers.Select(s => (s.Name, Operations: s.Answers.Where(a => a.Success).Select(a => a.Key).ToHashSet())).ToList();
        var answered = answers.SelectMany(s => s.Answers).Select(a => a.Key).ToHashSet();
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"Operations of libs/contracts/*.json exercised by the tests (the latest run of each test project with counts in this folder: " +
            $"{string.Join(", ", sources.Select(s => s.Name))}). A listing, not a gate: an operation no test calls is one whose drift nothing would see.\n");
        var uncovered = 0;
        foreach (var file in Directory.EnumerateFiles(ContractCheck.ContractsFolder, "*.json").OrderBy(f => f, StringComparer.Ordinal))
        {
            var service = Path.GetFileNameWithoutExtension(file);
            if (ContractCheck.ForService(service) is not { } contract)
            {
                continue;
            }
            var operations = contract.Operations.ToList();
            (string, string, string) Key(ContractCheck.Operation o) => (service, o.Method.ToUpperInvariant(), o.Template);
            var missing = operations.Where(o => !sources.Any(s => s.Operations.Contains(Key(o)))).ToList();
            uncovered += missing.Count;
            text.Append(CultureInfo.InvariantCulture,
                $"\n{service}: {operations.Count - missing.Count} of {operations.Count} operations answered a success (");
            text.AppendJoin(", ", sources.Select(s => (s.Name, Count: operations.Count(o => s.Operations.Contains(Key(o)))))
                .Where(s => s.Count > 0).Select(s => $"{s.Name} {s.Count}"));
            text.Append(")\n");
            foreach (var operation in missing)
            {
                var what = answered.Contains(Key(operation)) ? "only refused" : "not exercised";
                text.Append(CultureInfo.InvariantCulture,
                    $"  {what}: {operation.Method.ToUpperInvariant()} {operation.Template} ({operation.OperationId})\n");
            }
        }
        text.Append(CultureInfo.InvariantCulture, $"\n{uncovered} operation(s) no test got a success from (\"only refused\": only errors were seen).\n");
        return text.ToString();
    }

    private static void WriteAtomically(string path, string text)
    {
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
