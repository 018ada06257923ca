using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Passerelle.SmartRecruiters;
using Passerelle.SmartRecruiters.Wire;
using Passerelle.Testing;

namespace Passerelle.Bench;

/// <summary>One measured run: named figures, and whether it met the target.</summary>
internal sealed record RunResult(IReadOnlyDictionary<string, double> Figures, bool MetTarget, string? Note = null);

internal static class Scenarios
{
    /// <summary>One credential, many callers: SR's limit nearly saturated, never exceeded.</summary>
    public static async Task<RunResult> SaturationAsync(BenchContext bench, int requests, int callers)
    {
        var tenant = await bench.Sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync();
        await using var services = BenchContext.NewClientServices();
        var client = services.GetRequiredService<SmartRecruitersClient>();
        var credential = bench.Credential(tenant);

        var clock = Stopwatch.StartNew();
        var failures = await RunCallersAsync(requests, callers, () => client.GetJobAsync(credential, jobId));
        clock.Stop();

        var stats = await tenant.StatsAsync();
        var rate = requests / clock.Elapsed.TotalSeconds;
        var throttled = stats["throttled"]!.GetValue<long>();
        var peak = stats["peakConcurrency"]!.GetValue<int>();
        return new RunResult(new Dictionary<string, double>
        {
            ["requests/s"] = rate,
            ["429s"] = throttled,
            ["peak in flight"] = peak,
            ["peak per 1 s window"] = stats["peakRequestsPerSecond"]!.GetValue<int>(),
            ["token requests"] = stats["tokenRequests"]!.GetValue<long>(),
            ["failed calls"] = failures,
            ["seconds"] = clock.Elapsed.TotalSeconds,
        }, rate >= 9.2 && throttled == 0 && peak <= 8 && failures == 0);
    }

    /// <summary>Many credentials at once: each at its own limit, one token each.</summary>
    public static async Task<RunResult> ManyCredentialsAsync(BenchContext bench, int credentials, int requestsEach)
    {
        var tenants = new List<(Tenant Tenant, string JobId)>();
        for (var i = 0; i < credentials; i++)
        {
            var tenant = await bench.Sandbox.NewTenantAsync();
            tenants.Add((tenant, await tenant.AddJobIdAsync()));
        }

        await using var services = BenchContext.NewClientServices();
        var client = services.GetRequiredService<SmartRecruitersClient>();
        var clock = Stopwatch.StartNew();
        var perCredential = await Task.WhenAll(tenants.Select(async t =>
        {
            var credential = bench.Credential(t.Tenant);
            var started = clock.Elapsed;
            var failures = await RunCallersAsync(requestsEach, 16, () => client.GetJobAsync(credential, t.JobId));
            return (Rate: requestsEach / (clock.Elapsed - started).TotalSeconds, Failures: failures);
        }));
        clock.Stop();

        long throttled = 0, tokens = 0;
        foreach (var (tenant, _) in tenants)
        {
            var stats = await tenant.StatsAsync();
            throttled += stats["throttled"]!.GetValue<long>();
            tokens += stats["tokenRequests"]!.GetValue<long>();
        }

        var slowest = perCredential.Min(p => p.Rate);
        var failed = perCredential.Sum(p => p.Failures);
        return new RunResult(new Dictionary<string, double>
        {
            ["slowest credential requests/s"] = slowest,
            ["median credential requests/s"] = Median(perCredential.Select(p => p.Rate)),
            ["total requests/s"] = credentials * requestsEach / clock.Elapsed.TotalSeconds,
            ["429s"] = throttled,
            ["token requests"] = tokens,
            ["failed calls"] = failed,
            ["seconds"] = clock.Elapsed.TotalSeconds,
        }, slowest >= 9.2 && throttled == 0 && tokens == credentials && failed == 0);
    }

    /// <summary>A cold cache and many first calls at once: one token request.</summary>
    public static async Task<RunResult> TokenStampedeAsync(BenchContext bench, int callers)
    {
        var tenant = await bench.Sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync();
        await using var services = BenchContext.NewClientServices();
        var client = services.GetRequiredService<SmartRecruitersClient>();
        var credential = bench.Credential(tenant);

        // Every caller asks at once; the calls themselves then queue within the rate budget.
        var calls = Enumerable.Range(0, callers).Select(_ => client.GetJobAsync(credential, jobId)).ToList();
        await Task.Delay(2000);
        var tokens = (await tenant.StatsAsync())["tokenRequests"]!.GetValue<long>();
        var pending = calls.Count(c => !c.IsCompleted);
        await Task.WhenAll(calls);
        var failures = calls.Count(c => !c.Result.IsSuccess);

        return new RunResult(new Dictionary<string, double>
        {
            ["concurrent first calls"] = callers,
            ["token requests"] = tokens,
            ["calls still queued after 2 s"] = pending,
            ["failed calls"] = failures,
        }, tokens == 1 && failures == 0);
    }

    /// <summary>Large files streamed from disk: memory stays flat, every byte arrives.</summary>
    public static async Task<RunResult> UploadsAsync(BenchContext bench, int uploads, int credentials, int bytes)
    {
        var folder = Directory.CreateTempSubdirectory("passerelle-bench-uploads-");
        try
        {
            var files = new List<(SrFile File, string Sha256)>();
            for (var i = 0; i < uploads; i++)
            {
                files.Add(await WriteRandomFileAsync(folder.FullName, i, bytes));
            }

            var targets = new List<(Tenant Tenant, SrCredential Credential, string CandidateId, string JobId)>();
            await using var services = BenchContext.NewClientServices();
            var client = services.GetRequiredService<SmartRecruitersClient>();
            for (var i = 0; i < credentials; i++)
            {
                var tenant = await bench.Sandbox.NewTenantAsync();
                var jobId = await tenant.AddJobIdAsync();
                var credential = bench.Credential(tenant);
                var candidate = await client.CreateCandidateAsync(credential, jobId,
                    new CandidateInput { FirstName = "Bench", LastName = $"Candidate{i}", Email = $"bench{i}@example.org" });
                targets.Add((tenant, credential, candidate.Value?.Id ?? throw new InvalidOperationException(candidate.ToString()), jobId));
            }

            GC.Collect();
            var before = Environment.WorkingSet;
            var clock = Stopwatch.StartNew();
            SrOutcome<SrAttachment>[] outcomes;
            long peak;
            await using (var sampler = new WorkingSetSampler())
            {
                outcomes = await Task.WhenAll(files.Select((f, i) =>
                {
                    var target = targets[i % credentials];
                    return client.AttachAsync(target.Credential, target.CandidateId, target.JobId, SrAttachmentType.Resume, f.File);
                }));
                clock.Stop();
                await Task.Delay(100);
                peak = sampler.Peak;
            }

            var received = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (tenant, _, _, _) in targets)
            {
                foreach (var candidate in (await tenant.CandidatesAsync()))
                {
                    foreach (var attachment in candidate!["attachments"]!.AsArray())
                    {
                        received.Add(attachment.Str("sha256"));
                    }
                }
            }

            var matched = files.Count(f => received.Contains(f.Sha256));
            var megabytes = (double)uploads * bytes / 1_000_000;
            return new RunResult(new Dictionary<string, double>
            {
                ["uploads"] = uploads,
                ["MB sent"] = megabytes,
                ["MB/s"] = megabytes / clock.Elapsed.TotalSeconds,
                ["peak working set MB"] = peak / 1_048_576.0,
                ["working set before MB"] = before / 1_048_576.0,
                ["SHA-256 matches"] = matched,
                ["failed uploads"] = outcomes.Count(o => !o.IsSuccess),
            }, peak < 300 * 1_048_576L && matched == uploads && outcomes.All(o => o.IsSuccess));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>
    /// What a plain integration does: a token per call, 429s retried at once. Time-boxed, since it cannot finish
    /// the saturation workload at any useful speed.
    /// </summary>
    public static async Task<RunResult> NaiveBaselineAsync(BenchContext bench, int callers, TimeSpan duration)
    {
        var tenant = await bench.Sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync();
        await using var services = BenchContext.NewClientServices();
        var http = services.GetRequiredService<IHttpClientFactory>().CreateClient();
        http.BaseAddress = bench.Sandbox.BaseAddress;
        long succeeded = 0;
        var clock = Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, callers).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                // A token for every call, asked again at once whenever SR says 429.
                string? accessToken = null;
                while (accessToken is null && clock.Elapsed < duration)
                {
                    using var token = await http.PostAsync("/identity/oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
                    {
                        ["grant_type"] = "client_credentials", ["client_id"] = tenant.ClientId, ["client_secret"] = tenant.ClientSecret,
                    }));
                    if (token.StatusCode == HttpStatusCode.OK)
                    {
                        accessToken = JsonNode.Parse(await token.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();
                    }
                }

                // The call itself, retried at once on 429.
                while (accessToken is not null && clock.Elapsed < duration)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, $"/jobs/{jobId}");
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
                    using var response = await http.SendAsync(request);
                    if (response.StatusCode != HttpStatusCode.TooManyRequests)
                    {
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            Interlocked.Increment(ref succeeded);
                        }

                        break;
                    }
                }
            }
        }));
        clock.Stop();

        var stats = await tenant.StatsAsync();
        return new RunResult(new Dictionary<string, double>
        {
            ["successful calls/s"] = succeeded / clock.Elapsed.TotalSeconds,
            ["429s"] = stats["throttled"]!.GetValue<long>(),
            ["429s per successful call"] = stats["throttled"]!.GetValue<long>() / Math.Max(1.0, succeeded),
            ["token requests"] = stats["tokenRequests"]!.GetValue<long>(),
            ["SR requests per successful call"] = stats["requests"]!.GetValue<long>() / Math.Max(1.0, succeeded),
            ["seconds"] = clock.Elapsed.TotalSeconds,
        }, MetTarget: true, Note: "baseline: no target");
    }

    private static async Task<int> RunCallersAsync<T>(int requests, int callers, Func<Task<SrOutcome<T>>> call)
    {
        var remaining = requests;
        var failures = 0;
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async _ =>
        {
            while (Interlocked.Decrement(ref remaining) >= 0)
            {
                if (!(await call()).IsSuccess)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }));
        return failures;
    }

    private static async Task<(SrFile File, string Sha256)> WriteRandomFileAsync(string folder, int index, int bytes)
    {
        var path = Path.Combine(folder, $"cv-{index:D3}.pdf");
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var stream = File.Create(path))
        {
            var buffer = new byte[1 << 20];
            for (var written = 0; written < bytes; written += buffer.Length)
            {
                var count = Math.Min(buffer.Length, bytes - written);
                RandomNumberGenerator.Fill(buffer.AsSpan(0, count));
                sha.AppendData(buffer, 0, count);
                await stream.WriteAsync(buffer.AsMemory(0, count));
            }
        }

        return (SrFile.FromPath(path, "application/pdf"), Convert.ToHexStringLower(sha.GetHashAndReset()));
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static string Format(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e9 ? value.ToString("N0", CultureInfo.InvariantCulture) : value.ToString("N2", CultureInfo.InvariantCulture);
}
