namespace Passerelle.Sandbox;

/// <summary>Short command-line switches for running the sandbox by hand or from the bench.</summary>
internal static class SandboxCommandLine
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.Ordinal)
    {
        ["--seed"] = "Sandbox:Seed",
        ["--random-seed"] = "Sandbox:RandomSeed",
        ["--rate"] = "Sandbox:RequestsPerSecond",
        ["--concurrency"] = "Sandbox:ConcurrentRequests",
        ["--latency-ms"] = "Sandbox:LatencyMs",
        ["--jitter-ms"] = "Sandbox:LatencyJitterMs",
        ["--duplicate-policy"] = "Sandbox:DuplicatePolicy",
        ["--retry-after"] = "Sandbox:SendRetryAfter",
    };

    public const string Help = """
        Passerelle SmartRecruiters sandbox: a local, fault-injectable stand-in for the SmartRecruiters API.

        Usage: dotnet run --project src/Passerelle.Sandbox -- [options]

          --urls URL                 where to listen (default http://127.0.0.1:5080)
          --seed demo|none|FILE      initial data (default demo: company MaisonAzur, 40 jobs, one credential)
          --rate N                   requests per second per credential (default 10)
          --concurrency N            requests in flight per credential (default 8)
          --latency-ms N             added latency on every SR call (default 0)
          --jitter-ms N              ± jitter on that latency (default 0)
          --duplicate-policy P       create-new (default), conflict or return-existing
          --retry-after true|false   send Retry-After on 429 (default false)
          --random-seed N            make probabilistic faults and jitter reproducible
          Any setting also as --Sandbox:Name=value (see docs/sandbox.md).

        Then: GET /_sandbox/demo for the demo credential, /_sandbox/inbox for what SR received.
        """;
}
