using System.Text.RegularExpressions;
using Passerelle.Sandbox.State;
using Passerelle.Sandbox.Wire;

namespace Passerelle.Sandbox.Control;

/// <summary>Companies and credentials, as an SR administrator would create them. Callers hold the state lock.</summary>
internal static partial class SandboxAdmin
{
    public static (Company? Company, string? Error) AddCompany(SandboxState state, CompanyInput input, string? apiKey = null)
    {
        if (string.IsNullOrWhiteSpace(input.Identifier) || !IdentifierPattern().IsMatch(input.Identifier))
        {
            return (null, $"identifier must be 1 to 64 letters, digits, '-' or '_' (got '{input.Identifier}').");
        }

        if (state.Companies.ContainsKey(input.Identifier))
        {
            return (null, $"A company with identifier '{input.Identifier}' already exists.");
        }

        var company = new Company
        {
            Identifier = input.Identifier,
            Name = string.IsNullOrWhiteSpace(input.Name) ? input.Identifier : input.Name.Trim(),
            ApiAccess = input.ApiAccess ?? true,
            ApiKey = apiKey ?? SandboxState.RandomToken(24),
        };
        state.Companies[company.Identifier] = company;
        return (company, null);
    }

    public static (Credential? Credential, string? Error) AddCredential(SandboxState state, CredentialInput input)
    {
        if (string.IsNullOrWhiteSpace(input.Company) || !state.Companies.TryGetValue(input.Company, out var company))
        {
            return (null, $"Unknown company '{input.Company}': create it first with POST /_sandbox/companies.");
        }

        if (string.IsNullOrWhiteSpace(input.SystemRole))
        {
            return (null, "systemRole is required: SR will not generate a credential without a System role.");
        }

        if (ScopeError(input.Scopes) is { } scopeError)
        {
            return (null, scopeError);
        }

        // A token travels in an Authorization header: the prefix keeps to the characters SR's own tokens use.
        if (input.TokenPrefix is { } prefix && !TokenPrefixPattern().IsMatch(prefix))
        {
            return (null, $"tokenPrefix must be 1 to 64 letters, digits, '-', '_' or '.' (got '{prefix}').");
        }

        var clientId = input.ClientId ?? Guid.NewGuid().ToString();
        if (state.Credentials.ContainsKey(clientId))
        {
            return (null, $"A credential with client id '{clientId}' already exists.");
        }

        var credential = new Credential
        {
            ClientId = clientId,
            Secret = input.ClientSecret ?? SandboxState.RandomToken(40),
            Company = company.Identifier,
            Scopes = [.. input.Scopes!],
            SystemRole = input.SystemRole.Trim(),
            Name = input.Name,
            TokenPrefix = input.TokenPrefix,
        };
        state.Credentials[clientId] = credential;
        return (credential, null);
    }

    public static string? ScopeError(List<string>? scopes)
    {
        if (scopes is null || scopes.Count == 0)
        {
            return "scopes must list at least one scope.";
        }

        var unknown = scopes.Where(s => !SrScopes.Prompts.ContainsKey(s)).ToList();
        return unknown.Count == 0
            ? null
            : $"Unknown scope(s) {string.Join(", ", unknown)}: SR offers {string.Join(", ", SrScopes.Prompts.Keys)}.";
    }

    public static CompanyView View(SandboxState state, Company company) => new()
    {
        Identifier = company.Identifier,
        Name = company.Name,
        ApiAccess = company.ApiAccess,
        ApiKey = company.ApiKey,
        Jobs = state.Jobs.Values.Count(j => j.Company == company.Identifier),
        Candidates = state.Candidates.Values.Count(c => c.Company == company.Identifier),
    };

    public static CredentialView View(Credential credential, bool withSecret) => new()
    {
        ClientId = credential.ClientId,
        ClientSecret = withSecret ? credential.Secret : null,
        Company = credential.Company,
        Scopes = [.. credential.Scopes.Order(StringComparer.Ordinal)],
        SystemRole = credential.SystemRole,
        Name = credential.Name,
        TokenPrefix = credential.TokenPrefix,
    };

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex IdentifierPattern();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex TokenPrefixPattern();
}
