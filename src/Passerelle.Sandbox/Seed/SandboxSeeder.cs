using System.Text.Json;
using Microsoft.Extensions.Options;
using Passerelle.Sandbox.Control;
using Passerelle.Sandbox.Gate;
using Passerelle.Sandbox.Jobs;
using Passerelle.Sandbox.State;
using Passerelle.Sandbox.Wire;

namespace Passerelle.Sandbox.Seed;

/// <summary>Puts the sandbox back to a known state: settings as configured, traffic counters at zero, a seed applied.</summary>
public sealed class SandboxSeeder(SandboxState state, TrafficMonitor traffic, IOptions<SandboxOptions> options, IOptions<SandboxSettings> settings)
{
    /// <param name="seed"><c>demo</c>, <c>none</c>, a seed file path, or null for the configured seed.</param>
    public (ResetResult? Result, string? Error) Reset(string? seed = null)
    {
        seed = string.IsNullOrWhiteSpace(seed) ? options.Value.Seed : seed.Trim();
        SeedFile? file = null;
        if (seed is not ("demo" or "none"))
        {
            if (!File.Exists(seed))
            {
                return (null, $"Seed '{seed}' is neither 'demo', 'none' nor an existing seed file.");
            }

            try
            {
                file = JsonSerializer.Deserialize(File.ReadAllBytes(seed), SandboxJsonContext.Wire.SeedFile);
            }
            catch (JsonException e)
            {
                return (null, $"Seed file '{seed}' is not valid: {e.Message}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (null, $"Seed file '{seed}' could not be read: {e.Message}");
            }

            if (file is null)
            {
                return (null, $"Seed file '{seed}' is empty.");
            }
        }

        var content = seed switch
        {
            "demo" => DemoSeed.Build(state.Now()),
            "none" => new SeedFile(),
            _ => file!,
        };

        // Dry run on a scratch state: a seed that does not apply leaves the sandbox exactly as it was.
        if (Apply(new SandboxState(state.Time), content) is { } error)
        {
            return (null, $"Seed '{seed}' could not be applied: {error}");
        }

        lock (state.Gate)
        {
            state.Clear();
            state.Settings = settings.Value.Clone();
            Apply(state, content);

            traffic.Reset();
            return (new ResetResult { Seed = seed, Companies = state.Companies.Count, Jobs = state.Jobs.Count, Credentials = state.Credentials.Count }, null);
        }
    }

    private static string? Apply(SandboxState state, SeedFile seed)
    {
        foreach (var companySeed in seed.Companies)
        {
            var (company, error) = SandboxAdmin.AddCompany(state,
                new CompanyInput { Identifier = companySeed.Identifier, Name = companySeed.Name, ApiAccess = companySeed.ApiAccess },
                companySeed.ApiKey);
            if (company is null)
            {
                return error;
            }

            state.DemoCompany ??= company.Identifier;
            foreach (var job in companySeed.Jobs)
            {
                if (JobCatalog.Create(state, company.Identifier, job).Error is { } jobError)
                {
                    return jobError;
                }
            }
        }

        foreach (var credentialSeed in seed.Credentials)
        {
            var (credential, error) = SandboxAdmin.AddCredential(state, credentialSeed);
            if (credential is null)
            {
                return error;
            }

            if (credential.Company == state.DemoCompany)
            {
                state.DemoClientId ??= credential.ClientId;
            }
        }

        return null;
    }
}
