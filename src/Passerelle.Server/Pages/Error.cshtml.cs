using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Passerelle.Server.Ui;

namespace Passerelle.Server.Pages;

/// <summary>Every error a page can meet, said in the reader's language; never a stack trace.</summary>
[IgnoreAntiforgeryToken]
[ResponseCache(Duration = 0, Location = ResponseCacheLocation.None, NoStore = true)]
public sealed class ErrorModel(Lang lang) : PageModel
{
    public string Title { get; private set; } = "";
    public string Sentence { get; private set; } = "";

    /// <summary>Where a candidate on the career site goes back to (its job list), or null in the console.</summary>
    public string? CareersHome { get; private set; }

    public void OnGet(int? status) => Describe(status);

    public void OnPost(int? status) => Describe(status);

    private void Describe(int? status)
    {
        var failure = HttpContext.Features.Get<IExceptionHandlerFeature>()?.Error;
        var code = failure switch
        {
            // Two writers at once (a double click, two account managers): nothing was lost, the first one won.
            Microsoft.EntityFrameworkCore.DbUpdateException => 409,
            Core.Secrets.SecretUnavailableException => 503,
            not null => 500,
            // Opened directly (no failure, no status), /error is no page of its own.
            _ => status is >= 400 and <= 599 ? status.Value : 404,
        };
        Response.StatusCode = code;

        // A candidate never sees the console: an error on the career site keeps the site's look and leads back to its jobs.
        var original = HttpContext.Features.Get<IStatusCodeReExecuteFeature>()?.OriginalPath ?? HttpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path;
        if (original is not null && original.StartsWith("/careers/", StringComparison.OrdinalIgnoreCase))
        {
            var company = original.Split('/', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1);
            CareersHome = company is null ? null : "/careers/" + Uri.EscapeDataString(Uri.UnescapeDataString(company));
        }

        (Title, Sentence) = code switch
        {
            400 => (lang.T("The form could not be accepted", "Le formulaire n'a pas pu être accepté"),
                lang.T("The page was probably open too long or in another tab. Go back, reload the page and try again.",
                    "La page était sans doute ouverte depuis trop longtemps ou dans un autre onglet. Revenez en arrière, rechargez la page et réessayez.")),
            403 => (lang.T("Not allowed", "Accès refusé"),
                lang.T("Your role does not allow this. Ask an admin if you need it.", "Votre rôle ne le permet pas. Demandez à un administrateur si vous en avez besoin.")),
            405 => (lang.T("This page cannot do that", "Cette page ne peut pas faire cela"),
                lang.T("The form sent does not belong to this page. Go back, reload the page and try again.",
                    "Le formulaire envoyé n'appartient pas à cette page. Revenez en arrière, rechargez la page et réessayez.")),
            409 => (lang.T("Changed at the same moment", "Modifié au même moment"),
                lang.T("Someone else (or a second click) changed this at the same moment, or the name is already taken. Reload the page to see where things stand, then try again.",
                    "Quelqu'un d'autre (ou un second clic) a modifié cela au même moment, ou le nom est déjà pris. Rechargez la page pour voir où en sont les choses, puis réessayez.")),
            503 => (lang.T("Temporarily unavailable", "Momentanément indisponible"),
                lang.T("A stored secret cannot be read right now: the operators must restore the key ring (see docs/operations.md), or the secret must be rotated.",
                    "Un secret enregistré ne peut pas être lu pour l'instant : les exploitants doivent restaurer le trousseau de clés (voir docs/operations.md), ou le secret doit être remplacé.")),
            404 => (lang.T("Page not found", "Page introuvable"),
                lang.T("This page does not exist, or what it showed was removed.", "Cette page n'existe pas, ou ce qu'elle montrait a été supprimé.")),
            413 => (lang.T("File too large", "Fichier trop volumineux"),
                lang.T("The file sent is too large. Send a smaller one.", "Le fichier envoyé est trop volumineux. Envoyez-en un plus petit.")),
            _ => (lang.T("Something went wrong", "Une erreur est survenue"),
                lang.T("Passerelle could not finish this. Nothing you entered was lost on our side; try again in a moment, and tell the operators if it persists.",
                    "Passerelle n'a pas pu terminer. Rien de ce que vous avez saisi n'a été perdu de notre côté ; réessayez dans un instant, et prévenez les exploitants si cela persiste.")),
        };
    }
}
