using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Passerelle.Bench;

// The SmartRecruiters client under SR's limits, against the sandbox run out of process (100 ms ± 30 ms added
// latency, 10 requests/s and 8 in flight per credential). See bench/README.md.
var options = BenchOptions.Parse(args);
if (options is null)
{
    Console.WriteLine(BenchOptions.Help);
    return 2;
}

Console.WriteLine($"Starting the sandbox out of process (latency {options.LatencyMs} ± {options.JitterMs} ms)…");
await using var bench = await BenchContext.StartAsync(options.LatencyMs, options.JitterMs);
if (options.Suite == "soak")
{
    // One long run, not a scenario repeated: its own report (per-minute table and charts) and its own verdict.
    Console.WriteLine($"Sandbox at {bench.Sandbox.BaseAddress}; soak of {options.SoakMinutes} min.");
    var soak = await SoakScenario.RunAsync(bench, new SoakOptions(options.SoakMinutes, options.SoakConnections, options.SoakRate, options.Postgres));
    var soakMarkdown = SoakReport.Markdown(soak, Report.Machine(options, runs: false));
    Console.WriteLine();
    Console.WriteLine(soakMarkdown);
    if (options.DocsPath is { } soakDocs)
    {
        Report.WriteInto(soakDocs, soakMarkdown, options.Suite);
        Console.WriteLine($"Written into {soakDocs}.");
    }

    return soak.Passed ? 0 : 1;
}

Console.WriteLine($"Sandbox at {bench.Sandbox.BaseAddress}; {options.Runs} run(s) per scenario{(options.Quick ? ", quick sizes" : "")}.");

var clientScenarios = new List<(string Name, string Workload, string Target, Func<Task<RunResult>> Run)>
{
    ("uploads", $"{options.Uploads} concurrent uploads of {options.UploadBytes / 1_000_000.0:0.#} MB across {options.UploadCredentials} credentials",
        "peak working set < 300 MB; every SHA-256 matches", () => Scenarios.UploadsAsync(bench, options.Uploads, options.UploadCredentials, options.UploadBytes)),
    ("token stampede", $"{options.StampedeCallers} concurrent first calls on a cold cache", "exactly 1 token request",
        () => Scenarios.TokenStampedeAsync(bench, options.StampedeCallers)),
    ("saturation", $"1 credential, {options.SaturationRequests} requests, {options.SaturationCallers} concurrent callers",
        "≥ 9.2 requests/s (the 75 ms margin caps it at 9.3), 0 429s, peak in flight ≤ 8", () => Scenarios.SaturationAsync(bench, options.SaturationRequests, options.SaturationCallers)),
    ("many credentials", $"{options.Credentials} credentials in parallel, {options.RequestsPerCredential} requests each",
        "each ≥ 9.2 requests/s, 0 429s, token requests = credentials", () => Scenarios.ManyCredentialsAsync(bench, options.Credentials, options.RequestsPerCredential)),
    ("naive baseline", $"1 credential, {options.SaturationCallers} callers, token per call, 429 retried at once, for {options.BaselineSeconds} s",
        "none (comparison)", () => Scenarios.NaiveBaselineAsync(bench, options.SaturationCallers, TimeSpan.FromSeconds(options.BaselineSeconds))),
};
var jobSyncScenarios = new List<(string Name, string Workload, string Target, Func<Task<RunResult>> Run)>
{
    ("large company", $"1 connection with {options.LargeCompanyJobs:N0} jobs: a first full sync, then 1 % of the jobs change in SR and an incremental sync runs",
        "first sync SR calls = pages + details, 0 429s; incremental SR calls = pages of changed jobs + changed details (ratio 1.00)",
        () => JobSyncScenarios.LargeCompanyAsync(bench, options.LargeCompanyJobs)),
    ("many connections", $"{options.Connections} connections of {options.JobsPerConnection} jobs each, all asking for their first sync at once; each sync takes a turn from the node's SyncThrottle, as in the server",
        "0 429s, every run complete, SR calls = the minimum; time compared with the rate-limit bound (each credential at 10 requests/s)",
        () => JobSyncScenarios.ManyConnectionsAsync(bench, options.Connections, options.JobsPerConnection, useThrottle: true)),
    ("many connections, unthrottled", $"the same, every sync started at once (no SyncThrottle), for comparison",
        "none (comparison)", () => JobSyncScenarios.ManyConnectionsAsync(bench, options.Connections, options.JobsPerConnection, useThrottle: false)),
};
var databases = new List<(string Name, string? Postgres)> { ("SQLite", null) };
if (options.Postgres is { } postgres)
{
    databases.Add(("PostgreSQL", postgres));
}

var intakeScenarios = databases.Select(d => (
    Name: $"intake, {d.Name}",
    Workload: $"{options.IntakeApplications:N0} applications with a {options.CvBytes / 1000:N0} KB CV each, {options.Submitters} concurrent submitters, one connection; the server out of process on {d.Name}",
    Target: "every application accepted (202); applications/s and the 202's latency are the figures",
    Run: (Func<Task<RunResult>>)(() => ApplicationScenarios.IntakeAsync(bench, d.Postgres, options.IntakeApplications, options.Submitters, options.CvBytes)))).ToList();
var deliveryScenarios = databases.Select(d => (
    Name: $"delivery, {d.Name}",
    Workload: $"{options.DeliveryApplications:N0} applications ({options.CvBytes / 1000:N0} KB CVs) across {options.DeliveryConnections} connections, a credential each, submitted by {options.Submitters} clients at once; the server out of process on {d.Name}",
    Target: $"every application Delivered, 0 429s; per-connection throughput compared with SR's bound of {ApplicationScenarios.ApplicantsPerSecondBound} applicants/s (10 requests/s ÷ 2 calls)",
    Run: (Func<Task<RunResult>>)(() => ApplicationScenarios.DeliveryAsync(bench, d.Postgres, options.DeliveryConnections, options.DeliveryApplications, options.Submitters, options.CvBytes, options.DeliveryBound))))
    .Concat(databases.Take(1).Select(d => (
        Name: $"delivery backlog, {d.Name}",
        Workload: $"the same {options.DeliveryApplications:N0} applications across {options.DeliveryConnections} connections, held while submitted (SR refuses the candidates_create scope: each connection waits in NeedsAttention), then released at once",
        Target: $"every application Delivered, 0 429s; per-connection throughput from the release ≥ 95 % of SR's bound of {ApplicationScenarios.ApplicantsPerSecondBound} applicants/s",
        Run: (Func<Task<RunResult>>)(() => ApplicationScenarios.DeliveryAsync(bench, d.Postgres, options.DeliveryConnections, options.DeliveryApplications, options.Submitters, options.CvBytes,
            options.DeliveryBound, backlog: true))))).ToList();
var scenarios = options.Suite switch
{
    "job-sync" => jobSyncScenarios,
    "intake" => intakeScenarios,
    "delivery" => deliveryScenarios,
    _ => clientScenarios,
};

var report = new List<(string Name, string Workload, string Target, List<RunResult> Runs)>();
foreach (var (name, workload, target, run) in scenarios.Where(s => options.Only is null || s.Name == options.Only))
{
    var runs = new List<RunResult>();
    for (var i = 1; i <= options.Runs; i++)
    {
        Console.Write($"  {name}, run {i}/{options.Runs}… ");
        var result = await run();
        runs.Add(result);

        // Let the sandbox drain what the run left behind (the naive baseline leaves thousands of requests) before
        // the next run is timed.
        await Task.Delay(TimeSpan.FromSeconds(5));
        Console.WriteLine(string.Join(", ", result.Figures.Select(f => $"{f.Key} {Scenarios.Format(f.Value)}")) + (result.MetTarget ? "" : "  ← target missed")
            + (result.Note is { } note ? $" ({note})" : ""));
    }

    report.Add((name, workload, target, runs));
}

var markdown = Report.Markdown(report, options);
Console.WriteLine();
Console.WriteLine(markdown);
if (options.DocsPath is { } docs)
{
    Report.WriteInto(docs, markdown, options.Suite);
    Console.WriteLine($"Written into {docs}.");
}

return report.All(r => r.Runs.Count(x => x.MetTarget) * 2 > r.Runs.Count) ? 0 : 1;

internal sealed record BenchOptions
{
    public int Runs { get; init; } = 3;
    public bool Quick { get; init; }
    public string? Only { get; init; }
    public string? DocsPath { get; init; }
    public int LatencyMs { get; init; } = 100;
    public int JitterMs { get; init; } = 30;
    public int SaturationRequests { get; init; } = 2000;
    public int SaturationCallers { get; init; } = 64;
    public int Credentials { get; init; } = 50;
    public int RequestsPerCredential { get; init; } = 200;
    public int StampedeCallers { get; init; } = 500;
    public int Uploads { get; init; } = 64;
    public int UploadCredentials { get; init; } = 8;
    public int UploadBytes { get; init; } = 10_000_000;
    public int BaselineSeconds { get; init; } = 60;
    public string Suite { get; init; } = "client";
    public int LargeCompanyJobs { get; init; } = 10_000;
    public int Connections { get; init; } = 200;
    public int JobsPerConnection { get; init; } = 200;
    public string? Postgres { get; init; } = Environment.GetEnvironmentVariable("PASSERELLE_TEST_POSTGRES") is { Length: > 0 } postgres ? postgres : null;
    public int IntakeApplications { get; init; } = 2000;
    public int Submitters { get; init; } = 16;
    public int CvBytes { get; init; } = 200_000;
    public int DeliveryApplications { get; init; } = 2000;
    public int DeliveryConnections { get; init; } = 20;
    public TimeSpan DeliveryBound { get; init; } = TimeSpan.FromMinutes(10);
    public int SoakMinutes { get; init; } = 60;
    public int SoakConnections { get; init; } = 100;

    /// <summary>Twice the expected peak, taken as one application per connection per minute.</summary>
    public double SoakRate { get; init; } = 2;

    public const string Help = """
        Usage: dotnet run -c Release --project bench/Passerelle.Bench -- [options]

          --runs N          runs per scenario (default 3; the report gives each run and the median)
          --suite NAME      client (default: the SR client under SR's limits), job-sync (job sync at scale),
                            intake (applications/s and 202 latency of the server) or delivery (applications delivered
                            to 20 connections within SR's limits) or soak (an hour at twice the expected load, sampled
                            every minute); intake, delivery and soak run the server out of process
          --only NAME       one scenario: uploads, "token stampede", saturation, "naive baseline", "many credentials";
                            with --suite job-sync: "large company", "many connections";
                            with --suite intake or delivery: "intake, SQLite", "delivery, PostgreSQL",
                            "delivery backlog, SQLite", …
          --delivery-connections N, --delivery-applications N
                            the delivery suite's size (default 20 connections, 2,000 applications)
          --cv-bytes N      the CVs' size for intake and delivery (default 200000)
          --postgres CONN   also run intake and delivery on PostgreSQL (a database is created on that server and
                            dropped); default: PASSERELLE_TEST_POSTGRES when set
          --minutes N, --connections N, --per-connection-per-minute R
                            the soak's length, connections and rate (default 60 minutes, 100 connections, 2 applications
                            per connection per minute: twice the expected peak of 1); on PostgreSQL with --postgres,
                            else SQLite
          --quick           small sizes, for a smoke test (figures not comparable with the targets)
          --no-docs         print only; by default the table is also written into docs/performance.md
        """;

    public static BenchOptions? Parse(string[] args)
    {
        var options = new BenchOptions { DocsPath = FindDocs() };
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--runs" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var runs) && runs >= 1:
                    options = options with { Runs = runs };
                    i++;
                    break;
                case "--suite" when i + 1 < args.Length && args[i + 1] is "client" or "job-sync" or "intake" or "delivery" or "soak":
                    options = options with { Suite = args[++i] };
                    break;
                case "--only" when i + 1 < args.Length:
                    options = options with { Only = args[++i] };
                    break;
                case "--postgres" when i + 1 < args.Length:
                    options = options with { Postgres = args[++i] };
                    break;
                case "--delivery-connections" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var dc) && dc >= 1:
                    options = options with { DeliveryConnections = dc };
                    i++;
                    break;
                case "--delivery-applications" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var da) && da >= 1:
                    options = options with { DeliveryApplications = da };
                    i++;
                    break;
                case "--cv-bytes" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var cvBytes) && cvBytes >= 1024:
                    options = options with { CvBytes = cvBytes };
                    i++;
                    break;
                case "--minutes" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var minutes) && minutes >= 1:
                    options = options with { SoakMinutes = minutes };
                    i++;
                    break;
                case "--connections" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var connections) && connections >= 1:
                    options = options with { SoakConnections = connections };
                    i++;
                    break;
                case "--per-connection-per-minute" when i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate > 0:
                    options = options with { SoakRate = rate };
                    i++;
                    break;
                case "--no-docs":
                    options = options with { DocsPath = null };
                    break;
                case "--quick":
                    options = options with
                    {
                        Quick = true, SaturationRequests = 200, Credentials = 10, RequestsPerCredential = 50, StampedeCallers = 100,
                        Uploads = 16, UploadCredentials = 4, UploadBytes = 2_000_000, BaselineSeconds = 10,
                        LargeCompanyJobs = 500, Connections = 20, JobsPerConnection = 50,
                        IntakeApplications = 200, DeliveryApplications = 200, DeliveryConnections = 4, DeliveryBound = TimeSpan.FromMinutes(2),
                    };
                    break;
                default:
                    return null;
            }
        }

        return options;
    }

    private static string? FindDocs()
    {
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Passerelle.slnx")))
            {
                return Path.Combine(directory.FullName, "docs", "performance.md");
            }
        }

        return null;
    }
}

internal static class Report
{
    private static string Start(string suite) => $"<!-- bench:{Marker(suite)}:start -->";

    private static string End(string suite) => $"<!-- bench:{Marker(suite)}:end -->";

    private static string Marker(string suite) => suite is "job-sync" or "intake" or "delivery" or "soak" ? suite : "smartrecruiters-client";

    /// <summary>The first line of a section: when, on what machine, against what sandbox.</summary>
    public static string Machine(BenchOptions options, bool runs = true)
    {
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1_073_741_824.0;
        return string.Create(CultureInfo.InvariantCulture, $"Measured {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, {memory:0} GiB, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; sandbox out of process with {options.LatencyMs} ± {options.JitterMs} ms added latency and SR's default limits (10 requests/s, 8 in flight per credential)")
            + (runs ? string.Create(CultureInfo.InvariantCulture, $"; {options.Runs} run(s) per scenario{(options.Quick ? " (**quick sizes: not comparable with the targets**)" : "")}.") : ".");
    }

    public static string Markdown(List<(string Name, string Workload, string Target, List<RunResult> Runs)> report, BenchOptions options)
    {
        var text = new StringBuilder();
        text.AppendLine(Machine(options));
        text.AppendLine();
        if (options.Suite is "intake" or "delivery")
        {
            text.AppendLine("The server runs out of process (`dotnet Passerelle.Server.dll`, Release, default settings) on the same machine as the sandbox and the bench.");
            text.AppendLine();
        }

        text.AppendLine(options.Suite == "client"
            ? "Command: `dotnet run -c Release --project bench/Passerelle.Bench`"
            : $"Command: `dotnet run -c Release --project bench/Passerelle.Bench -- --suite {options.Suite}`");
        foreach (var (name, workload, target, runs) in report)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"### {name}");
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"{workload}. Target: {target}. Target met in {runs.Count(r => r.MetTarget)} of {runs.Count} run(s).");
            text.AppendLine();
            text.AppendLine("| figure | " + string.Join(" | ", runs.Select((_, i) => $"run {i + 1}")) + " | median |");
            text.AppendLine("|---|" + string.Concat(runs.Select(_ => "---:|")) + "---:|");
            foreach (var figure in runs[0].Figures.Keys)
            {
                var values = runs.Select(r => r.Figures[figure]).ToList();
                text.AppendLine(CultureInfo.InvariantCulture, $"| {figure} | {string.Join(" | ", values.Select(Scenarios.Format))} | **{Scenarios.Format(Scenarios.Median(values))}** |");
            }
        }

        return text.ToString();
    }

    /// <summary>Replaces the suite's section of docs/performance.md, leaving the rest of the file alone.</summary>
    public static void WriteInto(string path, string markdown, string suite)
    {
        var (startMarker, endMarker) = (Start(suite), End(suite));
        var section = $"{startMarker}\n{markdown.TrimEnd()}\n{endMarker}";
        var existing = File.Exists(path) ? File.ReadAllText(path) : "# Performance\n";
        var start = existing.IndexOf(startMarker, StringComparison.Ordinal);
        var end = existing.IndexOf(endMarker, StringComparison.Ordinal);
        var updated = start >= 0 && end > start
            ? existing[..start] + section + existing[(end + endMarker.Length)..]
            : existing.TrimEnd() + "\n\n" + section + "\n";
        File.WriteAllText(path, updated);
    }
}
