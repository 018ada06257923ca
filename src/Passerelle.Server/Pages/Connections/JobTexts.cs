using Passerelle.Server.Ui;

namespace Passerelle.Server.Pages.Connections;

/// <summary>SmartRecruiters' job and posting statuses in the reader's language; an unknown one is shown as SR spells it.</summary>
internal static class JobTexts
{
    /// <summary>SR's job statuses, in the order a job goes through them.</summary>
    public static readonly string[] Statuses = ["CREATED", "SOURCING", "INTERVIEW", "OFFER", "FILLED", "CANCELLED", "ON_HOLD"];

    public static readonly string[] PostingStatuses = ["PUBLIC", "INTERNAL", "PRIVATE", "NOT_PUBLISHED"];

    /// <summary>Statuses in which a job takes no more applicants (as the API's <c>open</c> filter reads them).</summary>
    public static readonly string[] ClosedStatuses = ["FILLED", "CANCELLED"];

    public static string Status(Lang lang, string? status) => status switch
    {
        null => "—",
        "CREATED" => lang.T("Created", "Créée"),
        "SOURCING" => lang.T("Sourcing", "En recherche"),
        "INTERVIEW" => lang.T("Interviews", "Entretiens"),
        "OFFER" => lang.T("Offer made", "Offre faite"),
        "FILLED" => lang.T("Filled", "Pourvue"),
        "CANCELLED" => lang.T("Cancelled", "Annulée"),
        "ON_HOLD" => lang.T("On hold", "En pause"),
        _ => status,
    };

    public static string StatusBadge(string? status, bool closed) => closed ? "badge-off" : status switch
    {
        "SOURCING" or "INTERVIEW" or "OFFER" => "badge-ok",
        "ON_HOLD" => "badge-warn",
        "FILLED" or "CANCELLED" => "badge-off",
        _ => "badge-info",
    };

    public static string PostingStatus(Lang lang, string? status) => status switch
    {
        null => "—",
        "PUBLIC" => lang.T("Public", "Publique"),
        "INTERNAL" => lang.T("Internal", "Interne"),
        "PRIVATE" => lang.T("Private", "Privée"),
        "NOT_PUBLISHED" => lang.T("Not published", "Non publiée"),
        _ => status,
    };
}
