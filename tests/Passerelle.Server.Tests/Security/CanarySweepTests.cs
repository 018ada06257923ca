using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Instrumentation.AspNetCore;
using OpenTelemetry.Instrumentation.Http;
using OpenTelemetry.Trace;
using Passerelle.Core.ApiClients;
using Passerelle.Core.Persistence;
using Passerelle.Core.Webhooks;
using Passerelle.SmartRecruiters;
using Passerelle.Testing;
using static Passerelle.Server.Tests.Applications;

namespace Passerelle.Server.Tests.Security;

/// <summary>
/// The canary leak sweep. Unique random canaries (a client secret, the prefix of every SR token, an applicant's
/// e-mail and names, a phrase in their CV and cover letter, the webhook signing secrets) go through the whole
/// product with every log category at Trace and tracing of every source on: onboarding, SR tokens, job sync, intake,
/// delivery to SR (the sandbox, as its own process over real sockets, so HttpClient spans exist), a delivery parked
/// for review (SR 500) and one failed (SR 4xx), webhooks, secret rotations, erasure, and bad requests that carry the
/// canaries. Then none of them may appear in any log line (message, state, scopes, exception), any exported span
/// (names, tags, events, links, baggage), any column of the database (the encrypted ones must be ciphertext), any
/// file in the data directory (the CV store must hold no clear bytes), any webhook payload, or any API answer
/// (webhook secrets only in the one answer that showed them). Positive controls prove each place was really read.
/// </summary>
[Trait("Category", "Security")]
public sealed class CanarySweepTests
{
    /// <summary>
    /// The columns encrypted at rest (Data Protection ciphertexts, see src/Passerelle.Core/Persistence): they are
    /// checked apart, as ciphertexts that must not contain a canary either.
    /// </summary>
    private static readonly HashSet<(string Table, string Column)> EncryptedColumns =
    [
        ("Connections", "ProtectedSecret"),
        ("WebhookSubscriptions", "ProtectedSecret"),
        ("Applications", "ProtectedApplicant"),
        ("ApplicationFiles", "WrappedKey"),
        ("ApplicationFiles", "ProtectedFileName"),
    ];

    [Fact]
    public async Task Canaries_fed_through_the_whole_product_with_debug_logs_and_tracing_on_appear_nowhere()
    {
        var canaries = new Canaries();
        var logs = new CapturedLogs();
        var spans = new List<Activity>();
        var answers = new ConcurrentQueue<Exchange>();
        var receiver = new RecordingReceiver();

        await using var sandbox = await SandboxProcess.StartAsync("--seed", "none", "--rate", "1000", "--concurrency", "100");
        await using var server = new ServerFactory();
        server.Settings["Applications:RetryBackoffBase"] = "00:00:00.200";
        server.Settings["Applications:RetryBackoffCap"] = "00:00:01";
        server.Settings["Sync:SupervisorInterval"] = "00:00:01";
        server.Settings["Webhooks:PollInterval"] = "00:00:00.200";
        await using var app = server.WithWebHostBuilder(builder =>
        {
            // Every category at Trace for the capture, whatever appsettings.json says for the console.
            builder.ConfigureLogging(logging => logging.AddProvider(logs).AddFilter<CapturedLogs>(null, LogLevel.Trace));
            builder.ConfigureTestServices(services =>
            {
                // Real sockets to the sandbox process: only a socket handler makes HttpClient spans (url.full and its query).
                services.AddHttpClient(SmartRecruitersClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler());
                services.AddHttpClient(WebhookDispatcher.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => receiver);
                // The server's own tracing (ASP.NET Core and HttpClient instrumentation) plus every other source (Orleans…),
                // with exceptions recorded on spans as an operator may turn on.
                services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource("*").AddInMemoryExporter(spans));
                services.Configure<AspNetCoreTraceInstrumentationOptions>(o => o.RecordException = true);
                services.Configure<HttpClientTraceInstrumentationOptions>(o => o.RecordException = true);
            });
        });

        HttpClient Client(string key)
        {
            var http = app.CreateDefaultClient(new RecordingHandler(answers));
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            return http;
        }

        _ = app.Services;
        var admin = Client(File.ReadAllText(Path.Combine(server.DataDirectory, "bootstrap-admin-key.txt")).Trim());
        var platform = Client(await PlatformKeyAsync(app));

        // SR's side: a company, a credential with the canary secret whose tokens all start with the canary prefix, two jobs.
        var sr = sandbox.Http();
        var company = "co" + RandomNumberGenerator.GetHexString(12, lowercase: true);
        (await sr.PostAsJsonAsync("/_sandbox/companies", new { identifier = company, name = "Canary company" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var credential = await (await sr.PostAsJsonAsync("/_sandbox/credentials", new
        {
            company, scopes = new[] { "jobs_read", "candidates_create" }, systemRole = "Employee", clientSecret = canaries.ClientSecret, tokenPrefix = canaries.TokenPrefix,
        })).ShouldBeJsonAsync(HttpStatusCode.Created);
        var tenant = new Tenant(sandbox, company, credential.Str("clientId"), canaries.ClientSecret, "");
        var openJob = await tenant.AddJobIdAsync("Cariste (H/F)");
        var closingJob = await tenant.AddJobIdAsync("Magasinier (H/F)");

        // A webhook subscription first, so that every event of the flow is sent to the receiver.
        var hook = await (await admin.PostAsJsonAsync("/api/v1/webhook-subscriptions", new { url = "https://hooks.example.test/canary-sweep", description = "canary sweep" }))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        canaries.AddShownOnce("webhook secret", hook.Str("secret"), answers.Last());
        receiver.Secret = hook.Str("secret");
        var hookId = hook["subscription"].Str("id");

        // Onboarding with the canary secret: probed, so SR issued a (canary-prefixed) token.
        var created = await (await admin.PostAsJsonAsync("/api/v1/connections", Connection("Canary " + company, company, tenant.ClientId, canaries.ClientSecret, sandbox.BaseAddress)))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        created.Str("status").ShouldBe("Active", created.ToJsonString());
        var connection = created.Str("id");
        (await tenant.StatsAsync())["tokenRequests"]!.GetValue<long>().ShouldBeGreaterThan(0);

        // Bad onboardings that carry the secret: a wrong one (probed and refused by SR), an unknown field, an overlong one, cut JSON.
        var wrong = await (await admin.PostAsJsonAsync("/api/v1/connections", Connection("Canary wrong " + company, company, tenant.ClientId, canaries.ClientSecret + "-wrong", sandbox.BaseAddress)))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        wrong.Str("status").ShouldNotBe("Active");
        (await admin.PostAsync("/api/v1/connections", Tenant.Json($$"""{"displayName":"Canary x","customerName":"C","companyIdentifier":"{{company}}","clientId":"x","clientSecret":"{{canaries.ClientSecret}}","secret":"{{canaries.ClientSecret}}"}""")))
            .StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await admin.PostAsJsonAsync("/api/v1/connections", Connection("Canary long " + company, company, tenant.ClientId, string.Concat(Enumerable.Repeat(canaries.ClientSecret, 20)), sandbox.BaseAddress)))
            .StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await admin.PostAsync("/api/v1/connections", Tenant.Json($$"""{"displayName":"Canary cut","clientSecret":"{{canaries.ClientSecret}}""")))
            .StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        await SyncAsync(admin, connection);

        // Applicant A: delivered, CV and cover letter in SR.
        var cvA = new TestCv(RandomNumberGenerator.GetInt32(int.MaxValue), 8192, canaries.CvPhrase).Bytes();
        var letter = Encoding.UTF8.GetBytes($"Madame, Monsieur,\n{canaries.CvPhrase}\n{canaries.FirstName} {canaries.LastName}\n");
        var idA = await AcceptedAsync(platform, connection, openJob, Form(canaries.Applicant("a", canaries.Control + "-a"), cvA, canaries.CvFileName, letter), "canary-a-" + Guid.NewGuid());
        await WaitAsync(platform, idA, "Delivered");
        var candidate = (await tenant.CandidatesAsync()).ShouldHaveSingleItem()!;
        candidate.Str("email").ShouldBe(canaries.Email("a"));
        candidate.Str("lastName").ShouldBe(canaries.LastName);
        var resume = candidate["attachments"]!.AsArray().Single(a => a.Str("type") == "RESUME")!;
        resume.Str("sha256").ShouldBe(TestCv.Sha256(cvA));
        Encoding.Latin1.GetString(await sr.GetByteArrayAsync($"/_sandbox/candidates/{candidate.Str("id")}/attachments/{resume.Str("id")}/content"))
            .ShouldContain(canaries.CvPhrase, Case.Sensitive, "the sandbox received the CV itself");

        // Applicant B: SR answers 500 to the create, so it is parked for review.
        await tenant.SetFaultsAsync(new { script = new[] { "500" }, methods = new[] { "POST" }, pathPattern = "/candidates$" });
        var cvB = new TestCv(RandomNumberGenerator.GetInt32(int.MaxValue), 4096, canaries.CvPhrase).Bytes();
        var idB = await AcceptedAsync(platform, connection, openJob, Form(canaries.Applicant("b", canaries.Control + "-b"), cvB, canaries.CvFileName), "canary-b-" + Guid.NewGuid());
        (await WaitAsync(platform, idB, "NeedsReview"))["lastError"].Str("code").ShouldBe("sr.create_in_doubt");
        (await sr.DeleteAsync($"/_sandbox/credentials/{tenant.ClientId}/faults")).EnsureSuccessStatusCode();

        // Applicant C: the job closed in SR since the sync, so SR refuses the create (4xx) and the application fails.
        (await sr.PatchAsync($"/_sandbox/jobs/{closingJob}", Tenant.Json("""{"status":"FILLED"}"""))).EnsureSuccessStatusCode();
        var cvC = new TestCv(RandomNumberGenerator.GetInt32(int.MaxValue), 4096, canaries.CvPhrase).Bytes();
        var idC = await AcceptedAsync(platform, connection, closingJob, Form(canaries.Applicant("c", canaries.Control + "-c"), cvC, canaries.CvFileName), "canary-c-" + Guid.NewGuid());
        (await WaitAsync(platform, idC, "Failed"))["lastError"].Str("code").ShouldBe("sr.job_not_accepting");
        (await tenant.CandidatesAsync()).Count.ShouldBe(1, "only A reached SR");

        // Bad intakes that carry the applicant's data: a malformed e-mail, an unknown field, cut JSON, a CV of the wrong type.
        var cvBad = new TestCv(RandomNumberGenerator.GetInt32(int.MaxValue), 2048, canaries.CvPhrase).Bytes();
        (await SubmitAsync(platform, connection, openJob, Form(canaries.Applicant("bad", "x", email: canaries.EmailToken + "@@example.org"), cvBad, canaries.CvFileName)))
            .StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await SubmitAsync(platform, connection, openJob, Form(new { firstName = canaries.FirstName, lastName = canaries.LastName, email = canaries.Email("x"), emial = canaries.Email("y") }, cvBad, canaries.CvFileName)))
            .StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var cut = new MultipartFormDataContent { { new StringContent($$"""{"firstName":"{{canaries.FirstName}}","email":"{{canaries.Email("cut")}}""", Encoding.UTF8, "application/json"), "applicant" } };
        cut.Add(new ByteArrayContent(cvBad), "cv", canaries.CvFileName);
        (await SubmitAsync(platform, connection, openJob, cut)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var html = Encoding.UTF8.GetBytes($"<html><body><h1>{canaries.FirstName} {canaries.LastName}</h1><p>{canaries.CvPhrase}</p></body></html>");
        (await SubmitAsync(platform, connection, openJob, Form(canaries.Applicant("html", "y"), html, canaries.CvFileName))).StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);

        // Secret rotation: a wrong secret (refused by SR, the old one kept), bad bodies, then SR's regenerated secret.
        var refused = await (await admin.PutAsJsonAsync($"/api/v1/connections/{connection}/secret", new { clientSecret = canaries.ClientSecret + "-bad" })).ShouldBeJsonAsync(HttpStatusCode.OK);
        refused["applied"]!.GetValue<bool>().ShouldBeFalse();
        (await admin.PutAsJsonAsync($"/api/v1/connections/{connection}/secret", new { clientSecret = string.Concat(Enumerable.Repeat(canaries.ClientSecret, 20)) }))
            .StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await admin.PutAsync($"/api/v1/connections/{connection}/secret", Tenant.Json($$"""{"clientSecret":"{{canaries.ClientSecret}}","old":"{{canaries.ClientSecret}}"}""")))
            .StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await admin.PutAsJsonAsync($"/api/v1/connections/{Guid.NewGuid()}/secret", new { clientSecret = canaries.ClientSecret })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var regenerated = await SandboxFactory.ReadAsync(await sr.PostAsync($"/_sandbox/credentials/{tenant.ClientId}/regenerate-secret", null));
        canaries.Add("rotated client secret", regenerated.Str("clientSecret"));
        (await sr.PostAsync($"/_sandbox/credentials/{tenant.ClientId}/revoke-tokens", null)).EnsureSuccessStatusCode();
        var rotated = await (await admin.PutAsJsonAsync($"/api/v1/connections/{connection}/secret", new { clientSecret = regenerated.Str("clientSecret") })).ShouldBeJsonAsync(HttpStatusCode.OK);
        rotated["applied"]!.GetValue<bool>().ShouldBeTrue(rotated.ToJsonString());
        await SyncAsync(admin, connection);

        var rotatedHook = await (await admin.PostAsync($"/api/v1/webhook-subscriptions/{hookId}/rotate-secret", null)).ShouldBeJsonAsync(HttpStatusCode.OK);
        canaries.AddShownOnce("rotated webhook secret", rotatedHook.Str("secret"), answers.Last());
        receiver.Secret = rotatedHook.Str("secret");

        // Erasure of a delivered and of a parked applicant; the wrongly onboarded connection is disconnected.
        (await platform.DeleteAsync($"/api/v1/applications/{idA}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await platform.DeleteAsync($"/api/v1/applications/{idB}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.PostAsJsonAsync($"/api/v1/connections/{wrong.Str("id")}/disconnect", new { reason = "canary sweep" })).StatusCode.ShouldBe(HttpStatusCode.OK);

        // The events of the flow reach the receiver.
        await LaneTests.EventuallyAsync(() => Task.FromResult<string?>(
            string.Join('\n', receiver.Bodies) is var all && new[] { EventTypes.JobCreated, EventTypes.ApplicationDelivered, EventTypes.ApplicationNeedsReview, EventTypes.ApplicationFailed }
                .All(t => all.Contains($"\"type\":\"{t}\"", StringComparison.Ordinal)) && new[] { idA, idB, idC }.All(id => all.Contains(id, StringComparison.Ordinal)) ? all : null),
            "the flow's webhooks");

        // Everything the API shows about what went through.
        foreach (var path in new[]
                 {
                     "/api/v1/connections", $"/api/v1/connections/{connection}", $"/api/v1/connections/{connection}/audit", $"/api/v1/connections/{wrong.Str("id")}/audit",
                     $"/api/v1/connections/{connection}/lane", $"/api/v1/connections/{connection}/jobs", $"/api/v1/connections/{connection}/sync-runs",
                     $"/api/v1/connections/{connection}/applications", $"/api/v1/applications/{idA}", $"/api/v1/applications/{idB}", $"/api/v1/applications/{idC}",
                     "/api/v1/webhook-subscriptions", $"/api/v1/webhook-subscriptions/{hookId}/deliveries",
                 })
        {
            (await admin.GetAsync(path)).StatusCode.ShouldBe(HttpStatusCode.OK, path);
        }

        var database = await DumpDatabaseAsync(app);
        await app.DisposeAsync();
        var disk = Directory.EnumerateFiles(server.DataDirectory, "*", SearchOption.AllDirectories)
            .Select(f => (Where: "file " + Path.GetRelativePath(server.DataDirectory, f), Bytes: File.ReadAllBytes(f))).ToList();
        var logLines = logs.Entries.Select(e => e.Full).ToList();
        var spanTexts = spans.Select(Describe).ToList();

        // Positive controls: each place was read and holds what it should, so a sweep that finds nothing means something.
        logLines.ShouldContain(l => l.StartsWith("Debug ", StringComparison.Ordinal), "Debug lines are captured");
        logLines.ShouldContain(l => l.Contains(" Passerelle.Server.Infrastructure.HttpCallLogger[", StringComparison.Ordinal) && l.Contains(sandbox.BaseAddress.Authority, StringComparison.Ordinal),
            "the SR calls' HTTP log lines are captured");
        logLines.ShouldContain(l => l.Contains(" Microsoft.EntityFrameworkCore.", StringComparison.Ordinal), "EF Core's logs are captured");
        logLines.ShouldContain(l => l.Contains(idA, StringComparison.Ordinal), "the product's own lines are captured");
        spans.ShouldContain(s => s.Source.Name == "System.Net.Http" && $"{s.GetTagItem("url.full")}".Contains(sandbox.BaseAddress.Authority, StringComparison.Ordinal),
            "SR calls are traced by the HttpClient instrumentation");
        spans.ShouldContain(s => s.Source.Name == "Microsoft.AspNetCore" && $"{s.GetTagItem("url.path")}".Contains(idA, StringComparison.Ordinal),
            "API calls are traced by the ASP.NET Core instrumentation");
        database.Clear.ShouldContain(d => d.Text.Contains(canaries.Control + "-a", StringComparison.Ordinal), "the dump reads the applications' rows");
        database.Encrypted.Count(e => e.Text.Length > 0).ShouldBeGreaterThan(3, "the dump reads the encrypted columns");
        disk.ShouldContain(f => Encoding.Latin1.GetString(f.Bytes).Contains(canaries.Control + "-c", StringComparison.Ordinal), "the raw scan reads the database file");
        disk.Count(f => f.Where.StartsWith("file files", StringComparison.Ordinal)).ShouldBeGreaterThan(0, "C's CV is still in the file store");
        receiver.Bodies.ShouldContain(b => b.Contains(canaries.Control + "-a", StringComparison.Ordinal), "webhook payloads are read");
        answers.ShouldContain(a => a.Text.Contains(idA, StringComparison.Ordinal), "API answers are read");

        var leaks = new List<string>();
        leaks.AddRange(canaries.FindIn(logLines.Select(l => ("log", l))));
        leaks.AddRange(canaries.FindIn(spanTexts.Select(s => ("span", s))));
        leaks.AddRange(canaries.FindIn(database.Clear));
        leaks.AddRange(canaries.FindIn(database.Encrypted));
        leaks.AddRange(database.Encrypted.Where(e => e.Text.Length > 0 && !e.Text.StartsWith(Canaries.DataProtectionHeader, StringComparison.Ordinal))
            .Select(e => $"{e.Where} is not a Data Protection ciphertext: {e.Text[..Math.Min(40, e.Text.Length)]}"));
        leaks.AddRange(canaries.FindIn(disk.Select(f => (f.Where, Encoding.Latin1.GetString(f.Bytes)))));
        foreach (var (cv, name) in new[] { (cvA, "A"), (cvB, "B"), (cvC, "C"), (cvBad, "bad") })
        {
            var slice = cv.AsSpan(cv.Length / 2, 64).ToArray();
            leaks.AddRange(disk.Where(f => f.Bytes.AsSpan().IndexOf(slice) >= 0).Select(f => $"CV {name}'s bytes in clear in {f.Where}"));
        }

        leaks.AddRange(canaries.FindIn(receiver.Bodies.Select(b => ("webhook payload", b))));
        leaks.AddRange(canaries.FindInAnswers(answers));
        leaks.ShouldBeEmpty($"{leaks.Count} canary sightings:\n" + string.Join('\n', leaks));
    }

    private static object Connection(string displayName, string company, string clientId, string secret, Uri sandbox) => new
    {
        displayName, customerName = "Canary customer", companyIdentifier = company, clientId, clientSecret = secret, baseUrl = sandbox.AbsoluteUri,
    };

    private static async Task<string> PlatformKeyAsync(WebApplicationFactory<PasserelleServer> app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        var (client, key) = ApiClient.Issue($"canary-{Guid.NewGuid():N}", ApiRole.Platform, "test", TimeProvider.System.GetUtcNow());
        db.ApiClients.Add(client);
        await db.SaveChangesAsync();
        return key;
    }

    /// <summary>Every table, every row, every column as text; the encrypted columns apart.</summary>
    private static async Task<(List<(string Where, string Text)> Clear, List<(string Where, string Text)> Encrypted)> DumpDatabaseAsync(
        WebApplicationFactory<PasserelleServer> app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();

        // The list above is the model's: a new Protected*/Wrapped* column must be added to it (and so to this sweep).
        var modelled = db.Model.GetEntityTypes().SelectMany(e => e.GetProperties().Select(p => (Table: e.GetTableName() ?? "", Column: p.GetColumnName())))
            .Where(c => c.Column.StartsWith("Protected", StringComparison.Ordinal) || c.Column.StartsWith("Wrapped", StringComparison.Ordinal)).ToHashSet();
        modelled.ShouldBe(EncryptedColumns, ignoreOrder: true);

        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        tables.ShouldContain("Applications");
        var (clear, encrypted) = (new List<(string, string)>(), new List<(string, string)>());
        foreach (var table in tables)
        {
            await using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\"";
            await using var reader = await select.ExecuteReaderAsync();
            for (var row = 0; await reader.ReadAsync(); row++)
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    var value = reader.GetValue(i) switch
                    {
                        DBNull => "",
                        byte[] bytes => Encoding.Latin1.GetString(bytes),
                        var other => Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture) ?? "",
                    };
                    var where = $"column {table}.{reader.GetName(i)} (row {row})";
                    (EncryptedColumns.Contains((table, reader.GetName(i))) ? encrypted : clear).Add((where, value));
                }
            }
        }

        return (clear, encrypted);
    }

    /// <summary>A span as an exporter would send it: source, kind, names, status, tags, events, links and baggage.</summary>
    private static string Describe(Activity span)
    {
        var text = new StringBuilder($"{span.Source.Name} {span.Kind} {span.OperationName} | {span.DisplayName} | {span.Status} {span.StatusDescription} | {span.TraceStateString}");
        static void Tags(StringBuilder text, IEnumerable<KeyValuePair<string, object?>>? tags)
        {
            foreach (var (key, value) in tags ?? [])
            {
                text.Append(" [").Append(key).Append('=').Append(CapturedLogs.Render(value)).Append(']');
            }
        }

        Tags(text, span.TagObjects);
        foreach (var e in span.Events)
        {
            text.Append(" event ").Append(e.Name);
            Tags(text, e.Tags);
        }

        foreach (var link in span.Links)
        {
            text.Append(" link ").Append(link.Context.TraceId).Append(' ').Append(link.Context.TraceState);
            Tags(text, link.Tags);
        }

        foreach (var (key, value) in span.Baggage)
        {
            text.Append(" baggage ").Append(key).Append('=').Append(value);
        }

        return text.ToString();
    }

    /// <summary>An answer the test got from the API: the request line and status, headers and body.</summary>
    private sealed record Exchange(string What, string Text);

    /// <summary>Keeps every answer of the API (error bodies included) as the test's client receives it.</summary>
    private sealed class RecordingHandler(ConcurrentQueue<Exchange> into) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            into.Enqueue(new Exchange($"answer to {request.Method} {request.RequestUri?.PathAndQuery} ({(int)response.StatusCode})",
                $"{response.Headers}{response.Content.Headers}{body}"));
            return response;
        }
    }

    /// <summary>The run's canaries: unique random strings, searched for case-insensitively.</summary>
    private sealed class Canaries
    {
        /// <summary>What every Data Protection (v1) ciphertext starts with, base64url-encoded (the magic header 09 F0 C9 F0).</summary>
        public const string DataProtectionHeader = "CfDJ8";

        private const string Letters = "abcdefghijklmnopqrstuvwxyz";
        private readonly List<(string Name, string Value, Exchange? ShownIn)> _all = [];

        public Canaries()
        {
            static string Hex() => RandomNumberGenerator.GetHexString(24, lowercase: true);
            static string Word() => char.ToUpperInvariant(Letters[RandomNumberGenerator.GetInt32(26)])
                                    + new string([.. Enumerable.Range(0, 13).Select(_ => Letters[RandomNumberGenerator.GetInt32(26)])]);
            ClientSecret = "canarysecret" + Hex();
            TokenPrefix = "canarytoken" + Hex() + ".";
            EmailToken = "canarymail" + Hex();
            FirstName = Word();
            LastName = Word();
            CvPhrase = "canaryphrase" + Hex();
            Control = "control" + Hex();
            Add("client secret", ClientSecret);
            Add("SR token", TokenPrefix);
            Add("applicant e-mail", EmailToken);
            Add("applicant first name", FirstName);
            Add("applicant last name", LastName);
            Add("CV phrase", CvPhrase);
        }

        public string ClientSecret { get; }
        public string TokenPrefix { get; }

        /// <summary>The part of every applicant e-mail of the run before its suffix and domain.</summary>
        public string EmailToken { get; }

        public string FirstName { get; }
        public string LastName { get; }
        public string CvPhrase { get; }

        /// <summary>Not a canary: an external id stored in clear, for the positive controls.</summary>
        public string Control { get; }

        /// <summary>File names often carry the applicant's name: this one does.</summary>
        public string CvFileName => $"CV {FirstName} {LastName}.pdf";

        public string Email(string suffix) => $"{EmailToken}.{suffix}@example.org";

        public object Applicant(string suffix, string externalId, string? email = null) => new
        {
            firstName = FirstName, lastName = LastName, email = email ?? Email(suffix), phoneNumber = "+33 6 12 34 56 78",
            location = new { city = "Nantes", countryCode = "FR" }, consent = new { given = true, text = Consent, version = "2026-01" },
            channel = "career-site", externalId,
        };

        public void Add(string name, string value) => _all.Add((name, value, null));

        /// <summary>A secret that one answer shows, once: it must be in that answer and nowhere else.</summary>
        public void AddShownOnce(string name, string value, Exchange shownIn)
        {
            shownIn.Text.ShouldContain(value);
            _all.Add((name, value, shownIn));
        }

        public List<string> FindIn(IEnumerable<(string Where, string Text)> haystacks) =>
            haystacks.SelectMany(h => _all.Select(c => Sighting(c.Name, c.Value, h.Where, h.Text))).OfType<string>().ToList();

        /// <summary>Answers are swept like the rest, except that a secret shown once may be in the answer that showed it.</summary>
        public List<string> FindInAnswers(IEnumerable<Exchange> answers) =>
            answers.SelectMany(a => _all.Where(c => !ReferenceEquals(c.ShownIn, a)).Select(c => Sighting(c.Name, c.Value, a.What, a.Text))).OfType<string>().ToList();

        private static string? Sighting(string name, string value, string where, string text)
        {
            var at = text.IndexOf(value, StringComparison.OrdinalIgnoreCase);
            if (at < 0)
            {
                return null;
            }

            var start = Math.Max(0, at - 100);
            return $"- {name} in {where}: …{text[start..Math.Min(text.Length, at + value.Length + 100)].ReplaceLineEndings(" ")}…";
        }
    }
}
