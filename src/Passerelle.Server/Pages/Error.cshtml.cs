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

    public void OnGet(int? status) => Describe(status);

    public void OnPost(int? status) => Describe(status);

    private void Describe(int? status)
    {
        var failed = HttpContext.Features.Get<IExceptionHandlerFeature>() is not null;
        // Opened directly (no failure, no status), /error is no page of its own.
        var code = failed ? 500 : status is >= 400 and <= 599 ? status.Value : 404;
        Response.StatusCode = code;
        (Title, Sentence) = code switch
        {
            400 => (lang.T("The form could not be accepted", "Le formulaire n'a pas pu être accepté"),
                lang.T("The page was probably open too long or in another tab. Go back, reload the page and try again.",
                    "La page était sans doute ouverte depuis trop longtemps ou dans un autre onglet. Revenez en arrière, rechargez la page et réessayez.")),
            403 => (lang.T("Not allowed", "Accès refusé"),
                lang.T("Your role does not allow this. Ask an admin if you need it.", "Votre rôle ne le permet pas. Demandez à un administrateur si vous en avez besoin.")),
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
