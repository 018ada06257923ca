using System.CommandLine;
using Passerelle.Sandbox;

namespace Passerelle.Cli.Sandbox;

/// <summary><c>passerelle sandbox</c>: the fake SmartRecruiters, in this process, until Ctrl+C.</summary>
internal static class SandboxCommand
{
    /// <summary>
    /// The sandbox's own default (<see cref="SandboxHost.DefaultUrl"/>, port 5080): the demo embeds its sandbox on
    /// 5081 (Demo:SandboxUrl), so both can run side by side.
    /// </summary>
    public static string DefaultUrl => SandboxHost.DefaultUrl;

    public static Command Build(CliActions actions)
    {
        var urls = new Option<string?>("--urls") { Description = $"Where to listen. Default {DefaultUrl} (the demo's embedded sandbox uses 5081).", HelpName = "URL" };
        (string Switch, string Help, string Name)[] switches =
        [
            ("--seed", "Initial data: demo (company MaisonAzur, 40 jobs, one credential), none, or a FILE. Default demo.", "demo|none|FILE"),
            ("--rate", "Requests per second per credential. Default 10.", "N"),
            ("--concurrency", "Requests in flight per credential. Default 8.", "N"),
            ("--latency-ms", "Latency added to every SR call. Default 0.", "N"),
            ("--jitter-ms", "± jitter on that latency. Default 0.", "N"),
            ("--duplicate-policy", "create-new (default), conflict or return-existing.", "POLICY"),
            ("--retry-after", "Send Retry-After on 429: true or false (default).", "BOOL"),
            ("--random-seed", "Makes probabilistic faults and jitter reproducible.", "N"),
        ];
        var options = switches.Select(s => new Option<string?>(s.Switch) { Description = s.Help, HelpName = s.Name }).ToList();
        var command = new Command("sandbox", "Run the SmartRecruiters sandbox (a local, fault-injectable stand-in for SR's API) until Ctrl+C. "
                                             + "Any other setting passes through as --Sandbox:Name=value (docs/sandbox.md).")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.Options.Add(urls);
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        actions.Set(command, async (context, ct) =>
        {
            var args = new List<string> { "--urls", context.Get(urls) ?? DefaultUrl };
            foreach (var option in options)
            {
                if (context.Get(option) is { } value)
                {
                    args.Add(option.Name);
                    args.Add(value);
                }
            }

            args.AddRange(context.Parse.UnmatchedTokens);
            context.Out.Hint($"Sandbox on {args[1]}: GET /_sandbox/demo for the demo credential. Ctrl+C to stop.");
            return await context.Env.Sandbox([.. args], ct);
        });
        return command;
    }
}
