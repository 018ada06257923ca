using System.Text.Json;
using Passerelle.Core.Connections;
using Passerelle.Core.Jobs;
using Passerelle.SmartRecruiters.Probing;

namespace Passerelle.Server.Ui;

/// <summary>A probe finding in the reader's language: what is wrong, and what to do about it.</summary>
public sealed record FindingText(string Code, string Problem, string Remedy);

/// <summary>A badge: its CSS class (<c>badge-ok</c>…) and its words.</summary>
public sealed record BadgeText(string Css, string Text);

/// <summary>
/// The connection pages' shared wording: health badges, probe findings by code, audit actions. Findings are
/// translated from their stable code (see <see cref="ConnectionVerdict"/>), so a stored probe reads the same as a
/// fresh one; an unknown code falls back to the English sentence the verdict carried, or the code itself.
/// </summary>
public static class ConnectionTexts
{
    private static readonly JsonSerializerOptions StoredProbeJson = new(JsonSerializerDefaults.Web);

    /// <summary>The last probe as stored on the connection, or null (never probed, or unreadable).</summary>
    public static StoredProbe? Probe(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<StoredProbe>(json, StoredProbeJson);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static BadgeText Status(Lang lang, ConnectionStatus status, AttentionReason? reason) => status switch
    {
        ConnectionStatus.Active => new("badge-ok", lang.T("Active", "Active")),
        ConnectionStatus.Pending => new("badge-info", lang.T("Pending", "En attente")),
        ConnectionStatus.Disconnected => new("badge-off", lang.T("Disconnected", "Déconnectée")),
        _ => new("badge-bad", reason is { } why ? Reason(lang, why) : lang.T("Needs attention", "À traiter")),
    };

    /// <summary>A need-attention reason as a person says it.</summary>
    public static string Reason(Lang lang, AttentionReason reason) => reason switch
    {
        AttentionReason.CredentialsInvalid => lang.T("Credentials refused", "Identifiants refusés"),
        AttentionReason.ScopeMissing => lang.T("Permission missing", "Autorisation manquante"),
        AttentionReason.ApiAccessDisabled => lang.T("API access disabled", "Accès à l'API désactivé"),
        AttentionReason.CompanyMismatch => lang.T("Wrong company identifier", "Identifiant d'entreprise incohérent"),
        AttentionReason.Unreachable => lang.T("SmartRecruiters unreachable", "SmartRecruiters injoignable"),
        _ => reason.ToString(),
    };

    public static BadgeText ExtraScopes(Lang lang) => new("badge-warn", lang.T("Extra permissions", "Autorisations en trop"));

    /// <summary>The finding a need-attention reason stands for, when the stored probe does not name one (e.g. set by a sync).</summary>
    public static string CodeFor(AttentionReason reason, StoredProbe? probe) => reason switch
    {
        AttentionReason.CredentialsInvalid => "credentials_invalid",
        AttentionReason.ApiAccessDisabled => "api_access_disabled",
        AttentionReason.CompanyMismatch => "company_mismatch",
        AttentionReason.ScopeMissing => "scope_missing:" + (probe?.RequiredScopes.FirstOrDefault(s => s.Value == nameof(SrScopeVerdict.Missing)).Key ?? "?"),
        _ => "unreachable",
    };

    /// <summary>A finding by its code, in the reader's language, with the same information as the English verdict.</summary>
    public static FindingText Finding(Lang lang, string code, string companyIdentifier, string? englishProblem = null, string? englishRemedy = null)
    {
        var credential = ConnectionService.CredentialName;
        var (kind, scope) = code.IndexOf(':', StringComparison.Ordinal) is var colon and > 0 ? (code[..colon], code[(colon + 1)..]) : (code, "");
        var prompt = SrScopes.PromptFor(scope);
        return kind switch
        {
            "credentials_invalid" => new(code,
                lang.T("SmartRecruiters refused the Client ID and Client Secret.", "SmartRecruiters a refusé le Client ID et le Client Secret."),
                lang.T($"The secret may have been regenerated or the credential revoked. Ask the customer to open Settings/Admin > Apps & integrations > Credentials, check '{credential}', and send the current Client ID and Client Secret; then rotate the secret here.",
                    $"Le secret a peut-être été régénéré ou l'identifiant OAuth révoqué. Demandez au client d'ouvrir Settings/Admin > Apps & integrations > Credentials, de vérifier « {credential} » et de vous envoyer le Client ID et le Client Secret actuels ; puis remplacez le secret ici.")),
            "unreachable" => new(code,
                lang.T("SmartRecruiters could not be reached to check the credential.", "SmartRecruiters n'a pas pu être joint pour vérifier l'identifiant OAuth."),
                lang.T("Check the connection's base URL, then test again; SmartRecruiters may be briefly unavailable.",
                    "Vérifiez l'URL de base de la connexion, puis testez à nouveau ; SmartRecruiters est peut-être momentanément indisponible.")),
            "api_access_disabled" => new(code,
                lang.T("The customer's SmartRecruiters account has no access to the Customer API.", "Le compte SmartRecruiters du client n'a pas accès à la Customer API."),
                lang.T("The customer must ask SmartRecruiters (their account manager or support) to enable API access for their company, then test again.",
                    "Le client doit demander à SmartRecruiters (son interlocuteur ou le support) d'activer l'accès à l'API pour son entreprise ; puis testez à nouveau.")),
            "scope_missing" => new(code,
                lang.T($"The credential does not grant {scope} ('{prompt}').", $"L'identifiant OAuth n'accorde pas {scope} (« {prompt} »)."),
                lang.T($"In SmartRecruiters: Settings/Admin > Apps & integrations > Credentials: edit '{credential}' and tick '{prompt}'. If it is ticked, give the credential a System role that may {(scope == SrScopes.JobsRead ? "see jobs" : "create candidates")}. Then test again.",
                    $"Dans SmartRecruiters : Settings/Admin > Apps & integrations > Credentials : modifiez « {credential} » et cochez « {prompt} ». Si la case est déjà cochée, donnez à l'identifiant OAuth un rôle System qui peut {(scope == SrScopes.JobsRead ? "voir les offres d'emploi" : "créer des candidats")}. Puis testez à nouveau.")),
            "company_mismatch" => new(code,
                lang.T($"None of the public jobs this credential sees is published under the company identifier '{companyIdentifier}'.",
                    $"Aucune des offres publiques que voit cet identifiant OAuth n'est publiée sous l'identifiant d'entreprise « {companyIdentifier} »."),
                lang.T("Check the identifier in SmartRecruiters under Settings/Admin > Company profile ('Company / Organization'), or whether the credential was created in another company's account. A wrong identifier cannot be edited: disconnect this connection and create it again with the right one; a credential from another account needs the customer's right credential (rotate the secret).",
                    "Vérifiez l'identifiant dans SmartRecruiters sous Settings/Admin > Company profile (« Company / Organization »), ou si l'identifiant OAuth a été créé dans le compte d'une autre entreprise. Un identifiant d'entreprise erroné ne se modifie pas : déconnectez cette connexion et recréez-la avec le bon ; un identifiant OAuth d'un autre compte demande le bon identifiant du client (renouvelez le secret).")),
            "extra_scope" => new(code,
                lang.T($"The credential also grants {scope} ('{prompt}'), which Passerelle does not need.",
                    $"L'identifiant OAuth accorde aussi {scope} (« {prompt} »), dont Passerelle n'a pas besoin."),
                lang.T($"For least privilege, ask the customer to edit '{credential}' and untick '{prompt}': only 'Access Jobs' and 'Create Candidates' are needed.",
                    $"Pour le moindre privilège, demandez au client de modifier « {credential} » et de décocher « {prompt} » : seules « Access Jobs » et « Create Candidates » sont nécessaires.")),
            "company_unverified" => new(code,
                lang.T($"The company identifier '{companyIdentifier}' could not be cross-checked (no public job to compare).",
                    $"L'identifiant d'entreprise « {companyIdentifier} » n'a pas pu être recoupé (aucune offre publique à comparer)."),
                lang.T("Nothing to do now; the check runs again with every test, once the customer publishes a job.",
                    "Rien à faire pour l'instant ; la vérification est refaite à chaque test, dès que le client publie une offre.")),
            _ => new(code, englishProblem ?? code, englishRemedy ?? ""),
        };
    }

    /// <summary>What an audit line's action means; the daily probe's tests are named as such.</summary>
    public static string Action(Lang lang, string action, string actor) => action switch
    {
        "created" => lang.T("Created and tested", "Créée et testée"),
        "tested" when actor == Connections.DailyProbeWorker.Actor => lang.T("Daily probe", "Test quotidien"),
        "tested" => lang.T("Tested", "Testée"),
        "secret_rotated" => lang.T("Secret rotated", "Secret remplacé"),
        "secret_rotation_refused" => lang.T("New secret refused (the old one is kept)", "Nouveau secret refusé (l'ancien est conservé)"),
        "settings_changed" => lang.T("Settings changed", "Paramètres modifiés"),
        "disconnected" => lang.T("Disconnected", "Déconnectée"),
        "health_changed" => lang.T("Health changed", "État modifié"),
        _ => action,
    };

    /// <summary>Who did it: a console user, an API key, or Passerelle itself.</summary>
    public static string Actor(Lang lang, string actor) => actor switch
    {
        _ when actor.StartsWith("user:", StringComparison.Ordinal) => actor[5..],
        _ when actor.StartsWith("api:", StringComparison.Ordinal) => lang.T($"API key {actor[4..]}", $"Clé d'API {actor[4..]}"),
        _ when actor.StartsWith("system:", StringComparison.Ordinal) => lang.T($"Passerelle ({actor[7..]})", $"Passerelle ({actor[7..]})"),
        _ => actor,
    };

    public static string Kind(Lang lang, SyncKind kind) => kind == SyncKind.Full ? lang.T("Full", "Complète") : lang.T("Incremental", "Incrémentale");

    public static BadgeText RunState(Lang lang, SyncRun run) => run.State switch
    {
        SyncRunState.Queued => new("badge-info", lang.T("Queued", "En file")),
        SyncRunState.Running => new("badge-info", lang.T("Running", "En cours")),
        _ when run.Error is not null => new("badge-bad", lang.T("Failed", "Échec")),
        _ when !run.Complete => new("badge-warn", lang.T("Partial", "Partielle")),
        _ => new("badge-ok", lang.T("Finished", "Terminée")),
    };

    public static string Trigger(Lang lang, string trigger) => trigger == "schedule" ? lang.T("schedule", "planification") : Actor(lang, trigger);

    public static string DeliveryMode(Lang lang, Core.Applications.DeliveryMode mode) => mode == Core.Applications.DeliveryMode.ResumeParsing
        ? lang.T("SmartRecruiters reads the CV (resume parsing)", "SmartRecruiters lit le CV (analyse de CV)")
        : lang.T("Applicant's data, then the CV attached", "Données du candidat, puis CV joint");

    /// <summary>A duration in whole minutes, as the settings form shows it.</summary>
    public static string Minutes(Lang lang, TimeSpan? span) => span is { } value
        ? lang.T($"{(long)value.TotalMinutes} min", $"{(long)value.TotalMinutes} min")
        : lang.T("default", "par défaut");
}
