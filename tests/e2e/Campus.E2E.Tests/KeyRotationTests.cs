using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Campus.Testing;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Campus.E2E.Tests;

/// <summary>
/// Key rotation, end to end with the real auth service, gateway and edge: after a new key is published and
/// becomes the signer, tokens of both keys are accepted, with no 401 in between.
/// </summary>
/// <remarks>
/// The platform's own auth must keep its key (the other tests' tokens), so this test runs a private stack of the same
/// Release builds and the same settings as <c>./platform</c>: auth on its own database, exchange and Redis prefix, with
/// two configured keys (<c>Auth:SigningKeys</c>), a gateway reading that auth's JWKS, and an nginx edge of
/// deploy/edge in front — and rotates the way services/auth/README.md says: the new key is published first (both
/// configured, the old one active), then auth restarts with the new key active.
/// </remarks>
public sealed class KeyRotationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task After_rotation_tokens_of_the_old_and_the_new_key_are_both_accepted_through_the_edge()
    {
        var (oldKey, newKey) = (NewKey("rotation-old"), NewKey("rotation-new"));
        await using var stack = await PrivateStack.StartAsync([oldKey, newKey], activeKid: oldKey.Kid);

        var oldToken = await stack.SignInAsync();
        Assert.Equal(oldKey.Kid, Kid(oldToken));
        Assert.Equal(HttpStatusCode.OK, await stack.MeAsync(oldToken));

        // Step 3 of the README: the new key (already published) becomes the signer.
        await stack.RestartAuthAsync([oldKey, newKey], activeKid: newKey.Kid);
        var newToken = await stack.SignInAsync();
        Assert.Equal(newKey.Kid, Kid(newToken));

        var statuses = new List<(string Token, HttpStatusCode Status)>();
        for (var i = 0; i < 10; i++)
        {
            statuses.Add(("new", await stack.MeAsync(newToken)));
            statuses.Add(("old", await stack.MeAsync(oldToken)));
        }
        Assert.All(statuses, answer => Assert.Equal(HttpStatusCode.OK, answer.Status));
    }

    private static (string Kid, string Pem) NewKey(string kid)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return (kid, key.ExportPkcs8PrivateKeyPem());
    }

    private static string? Kid(string token) =>
        JsonDocument.Parse(Base64UrlEncoder.Decode(token.Split('.')[0])).RootElement.GetProperty("kid").GetString();

    /// <summary>Auth + gateway + edge of the platform's build on free ports, each a process of its own, stopped by pid.</summary>
    private sealed class PrivateStack : IAsyncDisposable
    {
        private readonly string _isolation = TestInfrastructure.UniqueName("rot");
        private readonly string _work = Directory.CreateTempSubdirectory("campus-rotation-").FullName;
        private readonly RabbitMqTestScope _broker = new();
        private readonly int _authPort = Platform.FreePort();
        private readonly int _gatewayPort = Platform.FreePort();
        private readonly int _edgePort = Platform.FreePort();
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
        private readonly List<ChildProcess> _processes = [];
        private ChildProcess? _auth;

        private string Database => _isolation;

        private Uri Edge => new($"http://127.0.0.1:{_edgePort}/");

        public static async Task<PrivateStack> StartAsync((string Kid, string Pem)[] keys, string activeKid)
        {
            var stack = new PrivateStack();
            try
            {
                await stack._broker.InitializeAsync();
                await using (var admin = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString("postgres")))
                {
                    await admin.OpenAsync(Ct);
                    await using var create = new NpgsqlCommand($"CREATE DATABASE \"{stack.Database}\"", admin);
                    await create.ExecuteNonQueryAsync(Ct);
                }
                // The gateway starts without auth (it reads the JWKS on the first token): all three boot together.
                var gateway = stack.StartGateway();
                var edge = stack.StartEdge();
                await stack.RestartAuthAsync(keys, activeKid);
                await gateway.WaitReadyAsync(new Uri($"http://127.0.0.1:{stack._gatewayPort}/readyz"));
                await edge.WaitReadyAsync(new Uri(stack.Edge, "api/auth/healthz"));
                return stack;
            }
            catch
            {
                await stack.DisposeAsync();
                throw;
            }
        }

        /// <summary>(Re)starts auth with <paramref name="keys"/> configured and <paramref name="activeKid"/> signing.</summary>
        public async Task RestartAuthAsync((string Kid, string Pem)[] keys, string activeKid)
        {
            if (_auth is not null)
            {
                _auth.Dispose();
                _processes.Remove(_auth);
            }
            var settings = CommonSettings();
            settings["ConnectionStrings__Database"] = TestInfrastructure.PostgresConnectionString(Database);
            settings["ConnectionStrings__RabbitMq"] = TestInfrastructure.RabbitMqUri;
            settings["Messaging__Exchange"] = _broker.Exchange;
            settings["Messaging__QueuePrefix"] = _broker.QueuePrefix;
            settings["Database__MigrateOnStart"] = "true";
            for (var i = 0; i < keys.Length; i++)
            {
                settings[$"Auth__SigningKeys__{i}__Kid"] = keys[i].Kid;
                settings[$"Auth__SigningKeys__{i}__Pem"] = keys[i].Pem;
            }
            settings["Auth__ActiveKeyId"] = activeKid;
            settings["Auth__TrustedProxies__0"] = "127.0.0.10";
            settings["Auth__TrustedProxies__1"] = "127.0.0.2";
            _auth = StartHost("auth", "services/auth/Campus.Auth", _authPort, settings);
            await _auth.WaitReadyAsync(new Uri($"http://127.0.0.1:{_authPort}/readyz"));
        }

        /// <summary>Phone sign-in through the private edge (Development: the code comes from the dev SMS outbox, on auth's own port).</summary>
        public async Task<string> SignInAsync()
        {
            var phone = $"+7999{Random.Shared.Next(1000000, 9999999)}";
            using var sent = await _http.PostAsync(new Uri(Edge, "api/auth/phone/send-code"), Json(new { phone }), Ct);
            await ExpectOkAsync(sent, "send-code");
            var outbox = JsonDocument.Parse(await _http.GetStringAsync(new Uri($"http://127.0.0.1:{_authPort}/api/auth/dev/sms-outbox?phone={Uri.EscapeDataString(phone)}"), Ct)).RootElement;
            var code = Regex.Match(outbox[outbox.GetArrayLength() - 1].GetProperty("text").GetString() ?? "", @"\b\d{4,8}\b").Value;
            using var verified = await _http.PostAsync(new Uri(Edge, "api/auth/phone/verify"), Json(new { phone, code }), Ct);
            var body = await ExpectOkAsync(verified, "verify");
            return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
        }

        /// <summary>GET /api/auth/me through the private edge and gateway with <paramref name="token"/>.</summary>
        public async Task<HttpStatusCode> MeAsync(string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Edge, "api/auth/me"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await _http.SendAsync(request, Ct);
            return response.StatusCode;
        }

        private Dictionary<string, string> CommonSettings() => new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_NOLOGO"] = "1",
            ["Jwt__JwksUrl"] = $"http://127.0.0.1:{_authPort}/api/auth/.well-known/jwks.json",
            ["Jwt__Issuer"] = "campus-auth",
            ["Jwt__Audience"] = "campus",
            ["ConnectionStrings__Redis"] = TestInfrastructure.RedisConnectionString,
            ["Redis__KeyPrefix"] = $"{_isolation}:",
        };

        private ChildProcess StartGateway()
        {
            var settings = CommonSettings();
            // Only auth is routed anywhere real; the other clusters keep their defaults and are never called.
            settings["ReverseProxy__Clusters__auth__Destinations__default__Address"] = $"http://127.0.0.1:{_authPort}/";
            settings["Gateway__OutboundAddress"] = "127.0.0.10";
            return StartHost("gateway", "services/gateway/Campus.Gateway", _gatewayPort, settings);
        }

        /// <summary>nginx with deploy/edge/nginx.conf.template rendered as ./platform does, in a temp dir.</summary>
        private ChildProcess StartEdge()
        {
            foreach (var dir in new[] { "client_body", "proxy", "fastcgi", "uwsgi", "scgi" })
            {
                Directory.CreateDirectory(Path.Combine(_work, "tmp", dir));
            }
            if (Environment.UserName == "root")
            {
                // As root nginx workers run as nobody: they need the temp dirs (as in ./platform's start_edge).
                Run("chown", "-R", "nobody", Path.Combine(_work, "tmp"));
                Run("chmod", "755", _work);
            }
            var invariant = System.Globalization.CultureInfo.InvariantCulture;
            var config = File.ReadAllText(Path.Combine(Platform.Root, "deploy", "edge", "nginx.conf.template"))
                .Replace("@LISTEN@", string.Create(invariant, $"listen 127.0.0.1:{_edgePort} default_server;"), StringComparison.Ordinal)
                .Replace("@REAL_IP@", "", StringComparison.Ordinal)
                .Replace("@GATEWAY@", string.Create(invariant, $"127.0.0.1:{_gatewayPort}"), StringComparison.Ordinal)
                .Replace("@PROXY_BIND@", "127.0.0.2", StringComparison.Ordinal)
                .Replace("@PREFIX@", _work, StringComparison.Ordinal)
                .Replace("@ERROR_LOG@", Path.Combine(_work, "edge-error.log"), StringComparison.Ordinal)
                .Replace("@ACCESS_LOG@", Path.Combine(_work, "edge-access.log"), StringComparison.Ordinal);
            var path = Path.Combine(_work, "nginx.conf");
            File.WriteAllText(path, config);
            return Launch("edge", "nginx", ["-c", path, "-p", _work, "-e", Path.Combine(_work, "edge-error.log"), "-g", "daemon off;"], _work, []);
        }

        private ChildProcess StartHost(string name, string projectDir, int port, Dictionary<string, string> settings)
        {
            var dir = Path.Combine(Platform.Root, projectDir, "bin", "Release", "net10.0");
            var dll = Path.Combine(dir, Path.GetFileName(projectDir) + ".dll");
            Assert.True(File.Exists(dll), $"{dll} is missing: ./platform up builds it");
            return Launch(name, "dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"], dir, settings);
        }

        private ChildProcess Launch(string name, string file, string[] arguments, string workingDirectory, Dictionary<string, string> environment)
        {
            var process = ChildProcess.Start($"the private {name}", file, arguments, workingDirectory, Path.Combine(_work, name + ".log"), environment);
            _processes.Add(process);
            return process;
        }

        private static void Run(string file, params string[] arguments)
        {
            using var process = Process.Start(file, arguments);
            process.WaitForExit();
        }

        private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

        private static async Task<string> ExpectOkAsync(HttpResponseMessage response, string what)
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.IsSuccessStatusCode, $"{what} on the private stack answered {(int)response.StatusCode}: {body}");
            return body;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var process in _processes)
            {
                process.Dispose();
            }
            _http.Dispose();
            await _broker.DisposeAsync();
            await using (var admin = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString("postgres")))
            {
                await admin.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)", admin);
                await drop.ExecuteNonQueryAsync();
            }
            Directory.Delete(_work, recursive: true);
        }
    }
}
