using Passerelle.Core.Applications;
using Passerelle.Server.Ui;

namespace Passerelle.Server.Pages.Applications;

/// <summary>
/// An application's states, steps and error codes in the reader's language. Delivery stores its reasons in English
/// (for the API and the logs); the console says the common ones in words of its own and falls back to the stored
/// sentence for a code it does not know yet, so nothing is ever hidden.
/// </summary>
internal static class ApplicationTexts
{
    public static string State(Lang lang, ApplicationState state) => state switch
    {
        ApplicationState.Queued => lang.T("Queued", "En file d'attente"),
        ApplicationState.Retrying => lang.T("Retrying", "Nouvel essai prévu"),
        ApplicationState.Creating => lang.T("Creating", "Création en cours"),
        ApplicationState.CandidateCreated => lang.T("Candidate created", "Candidat créé"),
        ApplicationState.ResumeAttached => lang.T("CV attached", "CV joint"),
        ApplicationState.Delivered => lang.T("Delivered", "Transmise"),
        ApplicationState.NeedsReview => lang.T("Needs review", "À vérifier"),
        ApplicationState.Failed => lang.T("Failed", "Échec"),
        _ => state.ToString(),
    };

    public static string Badge(ApplicationState state) => state switch
    {
        ApplicationState.Delivered => "badge-ok",
        ApplicationState.NeedsReview => "badge-warn",
        ApplicationState.Failed => "badge-bad",
        _ => "badge-info",
    };

    /// <summary>What happened, for <see cref="Application.LastErrorCode"/>; null when there is no problem to tell.</summary>
    public static string? Reason(Lang lang, Application app)
    {
        if (app.LastErrorCode is null && app.LastError is null)
        {
            return null;
        }

        var job = app.SrJobId is null ? lang.T("the general pool", "les candidatures spontanées") : lang.T($"job {app.SrJobId}", $"l'offre {app.SrJobId}");
        return app.LastErrorCode switch
        {
            "sr.create_in_doubt" => lang.T("The create reached SmartRecruiters but no clear answer came back: the candidate may exist there.",
                "La création est parvenue à SmartRecruiters sans réponse claire : le candidat y existe peut-être."),
            "delivery.interrupted" => lang.T("Passerelle stopped while the create was on its way: the candidate may exist in SmartRecruiters.",
                "Passerelle s'est arrêté pendant l'envoi de la création : le candidat existe peut-être dans SmartRecruiters."),
            "sr.job_not_accepting" => lang.T($"SmartRecruiters refused the applicant: {job} is not accepting candidates (filled, cancelled or put on hold after the application was received).",
                $"SmartRecruiters a refusé le candidat : {job} n'accepte plus de candidats (pourvue, annulée ou mise en pause après la réception de la candidature)."),
            "sr.resume_not_parsable" => lang.T("SmartRecruiters found no name or e-mail address in the CV to create the candidate.",
                "SmartRecruiters n'a trouvé ni nom ni adresse e-mail dans le CV pour créer le candidat."),
            "sr.job_not_found" => lang.T($"SmartRecruiters no longer has {job}: it was deleted, or belongs to another company.",
                $"SmartRecruiters ne connaît plus {job} : elle a été supprimée, ou appartient à une autre entreprise."),
            "sr.candidate_not_found" => lang.T($"SmartRecruiters no longer has candidate {app.SrCandidateId}, so the file could not be attached.",
                $"SmartRecruiters ne connaît plus le candidat {app.SrCandidateId} : le fichier n'a pas pu être joint."),
            "sr.duplicate" => lang.T($"SmartRecruiters says this applicant has already applied to {job}.",
                $"SmartRecruiters indique que ce candidat a déjà postulé à {job}."),
            "sr.file_too_large" => lang.T("SmartRecruiters refused the file as too large; the candidate exists.",
                "SmartRecruiters a refusé le fichier, trop volumineux ; le candidat existe."),
            "sr.file_type_refused" => lang.T("SmartRecruiters refused the file's type; the candidate exists.",
                "SmartRecruiters a refusé le type du fichier ; le candidat existe."),
            "sr.not_sent" => lang.T("SmartRecruiters did not take the request (busy or unavailable); it is tried again automatically.",
                "SmartRecruiters n'a pas pris la demande (surchargé ou indisponible) ; un nouvel essai est fait automatiquement."),
            "connection.needs_attention" => lang.T("SmartRecruiters refused the connection's credential; the application waits in the queue.",
                "SmartRecruiters a refusé l'identifiant de la connexion ; la candidature attend dans la file."),
            "connection.disconnected" => lang.T("The connection was disconnected before this application was delivered.",
                "La connexion a été déconnectée avant la transmission de cette candidature."),
            "application.erased" => lang.T("The applicant's data was erased before delivery.", "Les données du candidat ont été effacées avant la transmission."),
            "delivery.file_unavailable" => lang.T("The CV is no longer stored here, so the application cannot be sent.",
                "Le CV n'est plus conservé ici : la candidature ne peut pas être envoyée."),

            // sr.rejected quotes SR's own codes, which only the stored sentence has.
            _ => app.LastError ?? app.LastErrorCode,
        };
    }

    /// <summary>What a person can do about <see cref="Application.LastErrorCode"/>.</summary>
    public static string? Remedy(Lang lang, Application app) => app.LastErrorCode switch
    {
        "sr.create_in_doubt" or "delivery.interrupted" => lang.T(
            "Look for the applicant in SmartRecruiters: if they are there, mark this application delivered with their candidate id; if not, retry it and tick the box saying you checked.",
            "Cherchez le candidat dans SmartRecruiters : s'il y est, marquez cette candidature comme transmise avec son identifiant ; sinon, relancez-la en cochant la case indiquant que vous avez vérifié."),
        "sr.job_not_accepting" => lang.T("Reopen the job in SmartRecruiters and retry, or tell the applicant the job is closed.",
            "Rouvrez l'offre dans SmartRecruiters puis relancez, ou prévenez le candidat que l'offre est close."),
        "sr.resume_not_parsable" => lang.T("Switch this connection to JSON delivery and retry, or ask the applicant for a text-based CV.",
            "Passez cette connexion en envoi JSON puis relancez, ou demandez au candidat un CV au format texte."),
        "sr.job_not_found" => lang.T("Check the job in SmartRecruiters; to keep the applicant, submit the application again on an open job.",
            "Vérifiez l'offre dans SmartRecruiters ; pour garder le candidat, soumettez à nouveau la candidature sur une offre ouverte."),
        "sr.candidate_not_found" => lang.T("Check the candidate in SmartRecruiters (deleted or merged?); attach the file by hand and mark the application delivered.",
            "Vérifiez le candidat dans SmartRecruiters (supprimé ou fusionné ?) ; joignez le fichier à la main et marquez la candidature comme transmise."),
        "sr.duplicate" => lang.T("Nothing is lost: find the existing candidate in SmartRecruiters and mark this application delivered with its id.",
            "Rien n'est perdu : retrouvez le candidat existant dans SmartRecruiters et marquez cette candidature comme transmise avec son identifiant."),
        "sr.file_too_large" => lang.T("Attach a smaller version of the file in SmartRecruiters by hand, then mark the application delivered.",
            "Joignez à la main une version plus légère du fichier dans SmartRecruiters, puis marquez la candidature comme transmise."),
        "sr.file_type_refused" => lang.T("Attach the file in another format in SmartRecruiters by hand, then mark the application delivered.",
            "Joignez à la main le fichier dans un autre format dans SmartRecruiters, puis marquez la candidature comme transmise."),
        "sr.rejected" => lang.T("Check the applicant's data against SmartRecruiters' rules, correct it at the source and submit again, or retry if the rule changed.",
            "Vérifiez les données du candidat au regard des règles de SmartRecruiters, corrigez-les à la source et soumettez à nouveau, ou relancez si la règle a changé."),
        "sr.not_sent" => lang.T("Nothing to do: it is retried automatically.", "Rien à faire : un nouvel essai est automatique."),
        "connection.needs_attention" => lang.T("Fix the connection (see its overview); the application is delivered afterwards, nothing is lost.",
            "Réparez la connexion (voir sa vue d'ensemble) ; la candidature sera transmise ensuite, rien n'est perdu."),
        "connection.disconnected" => lang.T("Submit the application again on an active connection of this customer.",
            "Soumettez à nouveau la candidature sur une connexion active de ce client."),
        "application.erased" => null,
        "delivery.file_unavailable" => lang.T("Ask the applicant to apply again, or switch the connection to JSON delivery and retry.",
            "Demandez au candidat de postuler à nouveau, ou passez la connexion en envoi JSON puis relancez."),
        _ => app.Remedy,
    };

    public static string Step(Lang lang, string step) => step switch
    {
        "accepted" => lang.T("Received", "Reçue"),
        "create" => lang.T("Candidate created in SmartRecruiters", "Création du candidat dans SmartRecruiters"),
        "attach-resume" => lang.T("CV attached", "Envoi du CV"),
        "attach-cover-letter" => lang.T("Cover letter attached", "Envoi de la lettre de motivation"),
        "retry" => lang.T("Retry asked", "Nouvel essai demandé"),
        "mark-delivered" => lang.T("Marked delivered", "Marquée comme transmise"),
        "erase" => lang.T("Applicant's data erased", "Données du candidat effacées"),
        "interrupted" => lang.T("Interrupted during the create", "Interrompue pendant la création"),
        "files-deleted" => lang.T("Files deleted", "Fichiers supprimés"),
        "disconnected" => lang.T("Connection disconnected", "Connexion déconnectée"),
        _ => step,
    };

    public static (string Text, string Badge) Outcome(Lang lang, string outcome) => outcome switch
    {
        "queued" => (lang.T("queued", "mise en file"), "badge-info"),
        "retention" => (lang.T("retention period over", "durée de conservation écoulée"), "badge-off"),
        "success" => (lang.T("success", "réussi"), "badge-ok"),
        "done" => (lang.T("done", "fait"), "badge-ok"),
        "requested" => (lang.T("requested", "demandé"), "badge-info"),
        "confirmed-may-duplicate" => (lang.T("confirmed after checking SmartRecruiters", "confirmé après vérification dans SmartRecruiters"), "badge-info"),
        "not-sent" => (lang.T("not sent", "non envoyé"), "badge-info"),
        "in-doubt" => (lang.T("in doubt", "incertain"), "badge-warn"),
        "rejected" => (lang.T("refused", "refusé"), "badge-bad"),
        "not-found" => (lang.T("not found", "introuvable"), "badge-bad"),
        "credentials" => (lang.T("credential refused", "identifiant refusé"), "badge-warn"),
        "forbidden" => (lang.T("forbidden", "interdit"), "badge-warn"),
        "file-unavailable" => (lang.T("file unavailable", "fichier indisponible"), "badge-bad"),
        "cancelled" => (lang.T("cancelled", "annulé"), "badge-off"),
        _ => (outcome, "badge-off"),
    };

    /// <summary>A size in bytes the way people read it.</summary>
    public static string Size(Lang lang, long bytes) => bytes switch
    {
        < 1024 => lang.T($"{bytes} bytes", $"{bytes} octets"),
        < 1024 * 1024 => lang.T($"{lang.Number((bytes + 512) / 1024)} KB", $"{lang.Number((bytes + 512) / 1024)} Ko"),
        _ => Megabytes(lang, bytes),
    };

    private static string Megabytes(Lang lang, long bytes)
    {
        var text = (bytes / (1024.0 * 1024.0)).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
        return lang.T(text + " MB", text.Replace('.', ',') + " Mo");
    }
}
