using Passerelle.SmartRecruiters.Probing;

namespace Passerelle.Core.Connections;

/// <summary>One finding of a probe, with the sentence an account manager can act on.</summary>
public sealed record ConnectionFinding(string Code, string Problem, string Remedy);

/// <summary>What a probe means for a connection: its status, and every problem and warning with its remedy.</summary>
public sealed record ConnectionVerdict(
    ConnectionStatus Status,
    AttentionReason? Reason,
    IReadOnlyList<ConnectionFinding> Problems,
    IReadOnlyList<ConnectionFinding> Warnings,
    SrProbeResult Probe,
    DateTimeOffset ProbedAt)
{
    /// <summary>The first problem's sentence, stored on the connection; ids and scope names only.</summary>
    public string? Detail => Problems.Count == 0 ? null : string.Join(" ", Problems.Select(p => p.Problem));

    /// <summary>
    /// Turns a probe into a verdict. Blocking problems leave the connection NeedsAttention with the most fundamental
    /// reason first (credentials, then the API feature, then scopes, then the identifier); extra scopes leave it
    /// Active with a standing least-privilege warning.
    /// </summary>
    public static ConnectionVerdict From(SrProbeResult probe, string credentialName, string companyIdentifier, DateTimeOffset at)
    {
        var problems = new List<ConnectionFinding>();
        var warnings = new List<ConnectionFinding>();
        AttentionReason? reason = null;
        void Problem(AttentionReason why, string code, string problem, string remedy)
        {
            reason ??= why;
            problems.Add(new ConnectionFinding(code, problem, remedy));
        }

        switch (probe.Token)
        {
            case SrTokenVerdict.CredentialsRejected:
                Problem(AttentionReason.CredentialsInvalid, "credentials_invalid",
                    "SmartRecruiters refused the Client ID and Client Secret.",
                    $"The secret may have been regenerated or the credential revoked. Ask the customer to open Settings/Admin > Apps & integrations > Credentials, check '{credentialName}', and send the current Client ID and Client Secret; then rotate the secret here.");
                break;
            case SrTokenVerdict.Unknown:
                Problem(AttentionReason.Unreachable, "unreachable",
                    "SmartRecruiters could not be reached to check the credential.",
                    "Check the connection's base URL, then test again; SmartRecruiters may be briefly unavailable.");
                break;
        }

        if (probe.ApiAccess == SrApiAccessVerdict.Disabled)
        {
            Problem(AttentionReason.ApiAccessDisabled, "api_access_disabled",
                "The customer's SmartRecruiters account has no access to the Customer API.",
                "The customer must ask SmartRecruiters (their account manager or support) to enable API access for their company, then test again.");
        }

        foreach (var (scope, verdict) in probe.RequiredScopes)
        {
            if (verdict == SrScopeVerdict.Missing)
            {
                var prompt = SrScopes.PromptFor(scope);
                Problem(AttentionReason.ScopeMissing, "scope_missing:" + scope,
                    $"The credential does not grant {scope} ('{prompt}').",
                    $"In SmartRecruiters: Settings/Admin > Apps & integrations > Credentials: edit '{credentialName}' and tick '{prompt}'. If it is ticked, give the credential a System role that may {(scope == SrScopes.JobsRead ? "see jobs" : "create candidates")}. Then test again.");
            }
        }

        if (probe.Company == SrCompanyVerdict.Mismatch)
        {
            Problem(AttentionReason.CompanyMismatch, "company_mismatch",
                $"None of the {probe.PublicJobsCompared} public job(s) this credential sees is published under the company identifier '{companyIdentifier}'.",
                "Check the identifier in SmartRecruiters under Settings/Admin > Company profile ('Company / Organization'), or whether the credential was created in another company's account. A wrong identifier cannot be edited: disconnect this connection and create it again with the right one; a credential from another account needs the customer's right credential (rotate the secret).");
        }

        foreach (var extra in probe.ExtraScopes)
        {
            warnings.Add(new ConnectionFinding("extra_scope:" + extra.Scope,
                $"The credential also grants {extra.Scope} ('{extra.Prompt}'), which Passerelle does not need.",
                $"For least privilege, ask the customer to edit '{credentialName}' and untick '{extra.Prompt}': only 'Access Jobs' and 'Create Candidates' are needed."));
        }

        // Only worth a warning when jobs could be read: otherwise a problem above already explains it.
        if (probe.Company == SrCompanyVerdict.Unverifiable && probe.RequiredScopes.GetValueOrDefault(SrScopes.JobsRead) == SrScopeVerdict.Held)
        {
            warnings.Add(new ConnectionFinding("company_unverified",
                $"The company identifier '{companyIdentifier}' could not be cross-checked (no public job to compare).",
                "Nothing to do now; the check runs again with every test, once the customer publishes a job."));
        }

        return new ConnectionVerdict(reason is null ? ConnectionStatus.Active : ConnectionStatus.NeedsAttention, reason, problems, warnings, probe, at);
    }
}
