using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;
using Passerelle.Server.Jobs;

namespace Passerelle.Server.Demo;

/// <summary>What one generated application is for.</summary>
internal enum DemoTrafficKind
{
    /// <summary>Delivered at the first attempt.</summary>
    Clean,

    /// <summary>
    /// SR answers 503 to every attempt of one delivery (the SR client retries a 503 itself, so one 503 alone would
    /// not be seen): the application waits in Retrying, then is delivered at its next attempt.
    /// </summary>
    Retry,

    /// <summary>SR creates the candidate and the answer is lost: the application waits in NeedsReview.</summary>
    Review,

    /// <summary>The recruiter filled the job a moment before: SR refuses (422) and the application fails with its reason.</summary>
    Failure,
}

/// <summary>
/// <c>--demo-traffic</c>: applications as Hippolyte-rh sends them, through Passerelle's own API (multipart, with an
/// Idempotency-Key), on the least-privilege connection. One in ten gets each fault, injected in the sandbox just
/// before, so that the console has retries, reviews and failures to show. The applicants are made up.
/// </summary>
internal sealed partial class DemoTraffic(
    IServiceScopeFactory scopes,
    IHttpClientFactory http,
    IOptions<DemoOptions> options,
    IOptions<SmartRecruiters.SmartRecruitersOptions> smartRecruiters,
    TimeProvider time,
    ILogger<DemoTraffic> logger)
{
    private static readonly string[] PostOnly = ["POST"];
    private static readonly string[] DemoTags = ["demo"];
    private static readonly string[] FirstNames = ["Camille", "Léa", "Hugo", "Inès", "Louis", "Chloé", "Nathan", "Manon", "Yanis", "Sarah", "Jules", "Zoé"];
    private static readonly string[] LastNames = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent"];

    /// <summary>The fault of the <paramref name="n"/>th application (from 1): one retry, one review and one failure in every ten.</summary>
    public static DemoTrafficKind KindOf(int n) => (n % 10) switch
    {
        3 => DemoTrafficKind.Retry,
        6 => DemoTrafficKind.Review,
        9 => DemoTrafficKind.Failure,
        _ => DemoTrafficKind.Clean,
    };

    public async Task RunAsync(DemoFacts facts, Uri sandboxUrl, CancellationToken cancellationToken)
    {
        var target = facts.Connections.FirstOrDefault(c => c.Status == ConnectionStatus.Active);
        if (target is null)
        {
            Log.NoConnection(logger);
            return;
        }

        var (clientId, jobs) = await TargetAsync(new ConnectionId(target.Id), cancellationToken);
        if (jobs.Count == 0)
        {
            Log.NoConnection(logger);
            return;
        }

        using var passerelle = http.CreateClient(nameof(DemoTraffic));
        passerelle.BaseAddress = new Uri(facts.ConsoleUrl);
        passerelle.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", facts.AdminApiKey);
        using var sandbox = http.CreateClient(nameof(DemoSandbox));
        sandbox.BaseAddress = sandboxUrl;

        var interval = TimeSpan.FromMinutes(1) / Math.Clamp(options.Value.TrafficPerMinute, 1, 600);
        using var timer = new PeriodicTimer(interval, time);
        var random = new Random();
        // A run's applications must not replay an earlier run's answers for the same Idempotency-Key.
        var run = Guid.NewGuid().ToString("N")[..8];
        var n = 0;
        (string JobId, string? ApplicationId, long Since)? filled = null;
        (string? ApplicationId, long Since)? scripted = null;
        var owed = new Queue<DemoTrafficKind>();
        do
        {
            // The job filled for a failure reopens once its application has failed (or after two minutes, whatever
            // became of it): the catalogue stays whole, and the failure is never turned into a delivery by a reopening.
            if (filled is { } pending && (time.GetElapsedTime(pending.Since) > TimeSpan.FromMinutes(2) || await IsSettledAsync(passerelle, pending.ApplicationId, cancellationToken)))
            {
                await PatchJobAsync(sandbox, pending.JobId, "SOURCING", cancellationToken);
                filled = null;
            }

            n++;
            var kind = KindOf(n);
            if (kind == DemoTrafficKind.Failure && filled is not null)
            {
                // The previous failure's job is still filled: this one goes through clean.
                kind = DemoTrafficKind.Clean;
            }

            // SR's scripted answers go to whichever candidate creation comes next: while the last scripted
            // application is still on its way (a retry waits out its backoff), a new script would be taken by it
            // instead (the retry would end in review), so this one goes through clean.
            // It is owed, and given at the first free turn: each round still shows each fault.
            if (kind is DemoTrafficKind.Retry or DemoTrafficKind.Review or DemoTrafficKind.Clean && (kind != DemoTrafficKind.Clean || owed.Count > 0))
            {
                var blocked = scripted is { } last && time.GetElapsedTime(last.Since) < TimeSpan.FromMinutes(3) && !await IsSettledAsync(passerelle, last.ApplicationId, cancellationToken);
                if (blocked && kind != DemoTrafficKind.Clean)
                {
                    if (!owed.Contains(kind))
                    {
                        owed.Enqueue(kind); // at most one of each: a stuck delivery cannot pile them up
                    }

                    kind = DemoTrafficKind.Clean;
                }
                else if (!blocked)
                {
                    scripted = null;
                    if (kind == DemoTrafficKind.Clean)
                    {
                        kind = owed.Dequeue();
                    }
                }
            }

            var job = jobs[random.Next(jobs.Count)];
            switch (kind)
            {
                case DemoTrafficKind.Retry:
                    await FaultAsync(sandbox, clientId, [.. Enumerable.Repeat("503", smartRecruiters.Value.MaxAttempts)], cancellationToken);
                    break;
                case DemoTrafficKind.Review:
                    await FaultAsync(sandbox, clientId, ["commit-then-drop"], cancellationToken);
                    break;
                case DemoTrafficKind.Failure:
                    job = jobs.Where(j => j.Status == "SOURCING").DefaultIfEmpty(job).First();
                    await PatchJobAsync(sandbox, job.Id, "FILLED", cancellationToken);
                    break;
            }

            var (status, applicationId) = await SubmitAsync(passerelle, target.Id, job.Id, $"demo-{run}-{n}", n, random, cancellationToken);
            if (kind == DemoTrafficKind.Failure)
            {
                filled = (job.Id, applicationId, time.GetTimestamp());
            }
            else if (kind is DemoTrafficKind.Retry or DemoTrafficKind.Review)
            {
                scripted = (applicationId, time.GetTimestamp());
            }

            Log.Submitted(logger, n, kind, status, applicationId);
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    private async Task<(string ClientId, List<(string Id, string? Status)> Jobs)> TargetAsync(ConnectionId id, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        var clientId = await db.Connections.Where(c => c.Id == id).Select(c => c.ClientId).SingleAsync(cancellationToken);
        var jobs = await db.JobOffers.AsNoTracking().Where(o => o.ConnectionId == id).WhereOpen()
            .OrderBy(o => o.SrJobId).Select(o => new { o.SrJobId, o.Status }).ToListAsync(cancellationToken);
        return (clientId, [.. jobs.Select(j => (j.SrJobId, j.Status))]);
    }

    /// <summary>Whether the application reached the end of the delivery path (delivered, failed, to review), or was never accepted.</summary>
    private static async Task<bool> IsSettledAsync(HttpClient passerelle, string? applicationId, CancellationToken cancellationToken)
    {
        if (applicationId is null)
        {
            return true;
        }

        var view = await passerelle.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/api/v1/applications/{applicationId}", cancellationToken);
        return view?["state"]?.GetValue<string>() is "Delivered" or "NeedsReview" or "Failed";
    }

    /// <summary>Scripted answers for the next candidate creations of this credential.</summary>
    private static async Task FaultAsync(HttpClient sandbox, string clientId, string[] script, CancellationToken cancellationToken)
    {
        using var response = await sandbox.PutAsJsonAsync($"/_sandbox/credentials/{Uri.EscapeDataString(clientId)}/faults",
            new { script, methods = PostOnly, pathPattern = "/candidates$" }, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    private static async Task PatchJobAsync(HttpClient sandbox, string jobId, string status, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/_sandbox/jobs/{Uri.EscapeDataString(jobId)}")
        {
            Content = JsonContent.Create(new { status }),
        };
        using var response = await sandbox.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    private static async Task<(int Status, string? ApplicationId)> SubmitAsync(
        HttpClient passerelle, Guid connectionId, string jobId, string externalId, int n, Random random, CancellationToken cancellationToken)
    {
        var (first, last) = (FirstNames[random.Next(FirstNames.Length)], LastNames[random.Next(LastNames.Length)]);
        using var form = new MultipartFormDataContent();
        form.Add(JsonContent.Create(new
        {
            firstName = first,
            lastName = last,
            email = $"{Ascii(first)}.{Ascii(last)}.{n}@example.org",
            phoneNumber = "+33 6 00 00 00 00",
            tags = DemoTags,
            consent = new { given = true, text = "J'accepte que ma candidature soit transmise au recruteur.", version = "demo-1" },
            channel = "career-site",
            externalId,
        }), "applicant");
        var cv = new ByteArrayContent(DemoPdf.Cv($"CV de démonstration n° {n}"));
        cv.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        form.Add(cv, "cv", $"cv-{n}.pdf");

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/connections/{connectionId}/jobs/{Uri.EscapeDataString(jobId)}/applications") { Content = form };
        request.Headers.Add("Idempotency-Key", externalId);
        using var response = await passerelle.SendAsync(request, cancellationToken);
        string? id = null;
        if (response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(cancellationToken);
            id = body?["id"]?.GetValue<string>();
        }

        return ((int)response.StatusCode, id);
    }

    private static string Ascii(string name) =>
        new([.. name.Normalize(NormalizationForm.FormD).Where(c => c < 128 && char.IsLetter(c)).Select(char.ToLowerInvariant)]);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Demo traffic: no active demo connection with open jobs; no traffic generated")]
        public static partial void NoConnection(ILogger logger);

        [LoggerMessage(2, LogLevel.Information, "Demo traffic: application {Number} ({Kind}) answered {Status}, id {ApplicationId}")]
        public static partial void Submitted(ILogger logger, int number, DemoTrafficKind kind, int status, string? applicationId);
    }
}
