using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Passerelle.Sandbox.State;

namespace Passerelle.Sandbox.Gate;

internal enum FaultKind
{
    None,
    Error500,
    Error502,
    Error503,
    Reset,
    Hang,
    CommitThenDrop,
    CommitThenHang,
}

internal sealed record FaultPlan(FaultKind Kind, TimeSpan Latency);

/// <summary>Decides, per request, the added latency and the fault (if any) the credential's settings call for.</summary>
public sealed class FaultInjector(SandboxState state, IOptions<SandboxOptions> options)
{
    private readonly Random _random = options.Value.RandomSeed is { } seed ? new Random(seed) : new Random();
    private readonly Lock _randomGate = new();

    internal FaultPlan Plan(Credential? credential, HttpRequest request)
    {
        var settings = state.Settings;
        var latency = Jittered(settings.LatencyMs, settings.LatencyJitterMs);
        if (credential is null)
        {
            return new FaultPlan(FaultKind.None, latency);
        }

        FaultSettings faults;
        string? step = null;
        lock (state.Gate)
        {
            faults = credential.Faults;
            if (!Matches(faults, request))
            {
                return new FaultPlan(FaultKind.None, latency);
            }

            credential.Script.TryDequeue(out step);
        }

        latency += Jittered(faults.LatencyMs, faults.LatencyJitterMs);
        var kind = step is not null ? FromStep(step, faults) : Roll(faults);
        return new FaultPlan(kind, latency);
    }

    private static bool Matches(FaultSettings faults, HttpRequest request)
    {
        if (faults.Methods is { Count: > 0 } methods && !methods.Contains(request.Method, StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }

        return string.IsNullOrEmpty(faults.PathPattern)
               || Regex.IsMatch(request.Path.Value ?? "", faults.PathPattern, RegexOptions.None, TimeSpan.FromMilliseconds(50));
    }

    private static FaultKind FromStep(string step, FaultSettings faults) => step switch
    {
        "500" => FaultKind.Error500,
        "502" => FaultKind.Error502,
        "503" => FaultKind.Error503,
        "reset" => FaultKind.Reset,
        "hang" => FaultKind.Hang,
        "commit-then-drop" => faults.CommitThenDropMode == "hang" ? FaultKind.CommitThenHang : FaultKind.CommitThenDrop,
        "commit-then-hang" => FaultKind.CommitThenHang,
        _ => FaultKind.None,
    };

    private FaultKind Roll(FaultSettings faults)
    {
        double roll;
        lock (_randomGate)
        {
            roll = _random.NextDouble();
        }

        foreach (var (rate, kind) in new[]
                 {
                     (faults.Error500Rate, FaultKind.Error500), (faults.Error502Rate, FaultKind.Error502),
                     (faults.Error503Rate, FaultKind.Error503), (faults.ResetRate, FaultKind.Reset),
                     (faults.HangRate, FaultKind.Hang),
                     (faults.CommitThenDropRate, faults.CommitThenDropMode == "hang" ? FaultKind.CommitThenHang : FaultKind.CommitThenDrop),
                 })
        {
            if (roll < rate)
            {
                return kind;
            }

            roll -= rate;
        }

        return FaultKind.None;
    }

    private TimeSpan Jittered(int latencyMs, int jitterMs)
    {
        if (latencyMs <= 0)
        {
            return TimeSpan.Zero;
        }

        int offset;
        lock (_randomGate)
        {
            offset = jitterMs > 0 ? _random.Next(-jitterMs, jitterMs + 1) : 0;
        }

        return TimeSpan.FromMilliseconds(latencyMs + offset);
    }
}
