using System.Globalization;

namespace BenchKit;

/// <summary>Command-line options of the form <c>--name value</c>.</summary>
public sealed class Options(string[] args)
{
    private readonly Dictionary<string, string> _values = Parse(args);

    public string Get(string name, string fallback) => _values.TryGetValue(name, out var value) ? value : fallback;

    public int Get(string name, int fallback) =>
        _values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    /// <summary>The URL of a local port: the option, else 127.0.0.1 on the port in <paramref name="portVariable"/> (the platform's ports file), else <paramref name="defaultPort"/>.</summary>
    public Uri Local(string name, string portVariable, int defaultPort) =>
        new(Get(name, "http://127.0.0.1:" + (Environment.GetEnvironmentVariable(portVariable) ?? defaultPort.ToString(CultureInfo.InvariantCulture))));

    private static Dictionary<string, string> Parse(string[] args)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            result[args[i].TrimStart('-')] = args[i + 1];
        }
        return result;
    }
}
