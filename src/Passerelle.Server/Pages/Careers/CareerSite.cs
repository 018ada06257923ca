using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Passerelle.Core.Applications;
using Passerelle.Core.Connections;
using Passerelle.Core.Jobs;
using Passerelle.Core.Persistence;
using Passerelle.Server.Jobs;
using Passerelle.Server.Ui;

namespace Passerelle.Server.Pages.Careers;

/// <summary>The company a career site is for: what the pages show of a connection (never its credential).</summary>
public sealed record CareerCompany(ConnectionId Id, string Name, string Slug)
{
    /// <summary>The site's home, by the company identifier as stored (or the id, if the visitor came by id).</summary>
    public string Home => "/careers/" + Uri.EscapeDataString(Slug);

    public string JobUrl(string jobId) => $"{Home}/jobs/{Uri.EscapeDataString(jobId)}";
}

/// <summary>A message page of the career site (not found, too large, …), in the site's own layout.</summary>
public sealed record CareerMessage(string Title, string Sentence, string? LinkUrl, string? LinkText);

/// <summary>
/// The demo career site's shared rules: which connection an address names, which offers are shown, and its message
/// pages. The site is what Hippolyte-rh would publish for a customer, so it shows only open, public offers.
/// </summary>
public static class CareerSite
{
    public const string MessageView = "/Pages/Careers/_Message.cshtml";

    /// <summary>ViewData keys the layout reads for its header.</summary>
    public const string CompanyKey = "CareersCompany";

    /// <summary>
    /// The connection named by <paramref name="key"/>: its id, or its company identifier without regard to case (the
    /// one still connected when a customer was reconnected). Disconnected or unknown: none.
    /// </summary>
    public static async Task<CareerCompany?> ResolveAsync(PasserelleDbContext db, string? key, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(key) || key.Length > 200)
        {
            return null;
        }

        var connections = db.Connections.AsNoTracking().Where(c => c.Status != ConnectionStatus.Disconnected);
        if (Guid.TryParse(key, out var id))
        {
            var byId = await connections.Where(c => c.Id == new ConnectionId(id)).Select(c => new { c.Id, c.CustomerName }).SingleOrDefaultAsync(cancellationToken);
            if (byId is not null)
            {
                return new CareerCompany(byId.Id, byId.CustomerName, id.ToString());
            }
        }

        // Identifiers are ASCII slugs, which SQL lower() folds on both providers.
        var lowered = key.ToLowerInvariant();
#pragma warning disable CA1862, CA1304, CA1311 // Translated to SQL: the culture and StringComparison overloads have no translation.
        var named = await connections.Where(c => c.CompanyIdentifier.ToLower() == lowered).Select(c => new { c.Id, c.CustomerName, c.CompanyIdentifier, c.CreatedAt, c.Status })
            .ToListAsync(cancellationToken);
#pragma warning restore CA1862, CA1304, CA1311
        // A working connection first: a mistyped new one (pending, or refused by SR) must not hide the site that works.
        return named.OrderByDescending(c => c.Status == ConnectionStatus.Active).ThenByDescending(c => c.CreatedAt).FirstOrDefault() is { } found
            ? new CareerCompany(found.Id, found.CustomerName, found.CompanyIdentifier) : null;
    }

    /// <summary>The offers a career site shows: open (as the jobs API's <c>open=true</c>) and publicly posted.</summary>
    public static IQueryable<JobOffer> Shown(PasserelleDbContext db, ConnectionId connectionId) =>
        db.JobOffers.AsNoTracking().Where(o => o.ConnectionId == connectionId && o.PostingStatus == OpenJobs.PublicPosting).WhereOpen();

    /// <summary>A message page with <paramref name="status"/>, in the career site's layout.</summary>
    public static ViewResult Message(HttpContext context, int status, CareerMessage message, CareerCompany? company = null)
    {
        var viewData = new ViewDataDictionary(context.RequestServices.GetRequiredService<IModelMetadataProvider>(), new ModelStateDictionary())
        {
            Model = message,
            [CompanyKey] = company,
            ["Title"] = message.Title,
        };
        return new ViewResult { ViewName = MessageView, ViewData = viewData, StatusCode = status };
    }

    /// <summary>The 404 page of the career site: an unknown address, a disconnected company, or an offer no longer open.</summary>
    public static ViewResult NotFound(HttpContext context, Lang lang, CareerCompany? company = null) => Message(context, StatusCodes.Status404NotFound,
        new CareerMessage(lang.T("Page not found", "Page introuvable"),
            company is null
                ? lang.T("This career site does not exist, or it is no longer online.", "Ce site carrières n'existe pas, ou il n'est plus en ligne.")
                : lang.T("This page does not exist, or this job offer is no longer open.", "Cette page n'existe pas, ou cette offre d'emploi n'est plus ouverte."),
            company?.Home, company is null ? null : lang.T("See all our job offers", "Voir toutes nos offres")),
        company);

    /// <summary>
    /// A small line icon for a job's facts, drawn inline (emoji fonts are missing on many machines). Decorative: the
    /// fact's name is given to screen readers in text.
    /// </summary>
    public static Microsoft.AspNetCore.Html.HtmlString Icon(string name)
    {
        var path = name switch
        {
            "place" => "M12 21s-7-6.1-7-11.5A7 7 0 0 1 19 9.5C19 14.9 12 21 12 21zm0-9a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5z",
            "team" => "M4 21V5a1 1 0 0 1 1-1h9a1 1 0 0 1 1 1v16M15 9h4a1 1 0 0 1 1 1v11M2 21h20M8 8h3M8 12h3M8 16h3",
            "time" => "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zm0-13v4.5l3 2",
            _ => "M5 5h14a1 1 0 0 1 1 1v13a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zM4 10h16M8 3v4M16 3v4",
        };
        return new Microsoft.AspNetCore.Html.HtmlString(
            $"<svg class=\"icon\" aria-hidden=\"true\" focusable=\"false\" viewBox=\"0 0 24 24\" width=\"16\" height=\"16\"><path d=\"{path}\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"2\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/></svg>");
    }

    /// <summary>"10 MB" / "10 Mo" (or "64 KB" / "64 Ko" under a megabyte) for a size in bytes.</summary>
    public static string Megabytes(Lang lang, long bytes)
    {
        var (amount, english, french) = bytes < 1024 * 1024 ? (bytes / 1024.0, "KB", "Ko") : (bytes / (1024 * 1024.0), "MB", "Mo");
        var value = amount.ToString("0.#", CultureInfo.InvariantCulture);
        return lang.IsFrench ? $"{value.Replace('.', ',')} {french}" : $"{value} {english}";
    }

    /// <summary>
    /// Text folded for a forgiving search: lower case and without accents ("Préparateur" is found by "preparateur").
    /// The server runs with invariant globalization, where neither accent-insensitive comparison nor normalisation is
    /// available, so the Latin letters French and English use are folded by hand.
    /// </summary>
    public static string Fold(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var folded = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            switch (c)
            {
                case 'à' or 'â' or 'ä' or 'á' or 'ã' or 'å':
                    folded.Append('a');
                    break;
                case 'é' or 'è' or 'ê' or 'ë':
                    folded.Append('e');
                    break;
                case 'î' or 'ï' or 'í' or 'ì':
                    folded.Append('i');
                    break;
                case 'ô' or 'ö' or 'ó' or 'ò' or 'õ':
                    folded.Append('o');
                    break;
                case 'ù' or 'û' or 'ü' or 'ú':
                    folded.Append('u');
                    break;
                case 'ÿ':
                    folded.Append('y');
                    break;
                case 'ç':
                    folded.Append('c');
                    break;
                case 'ñ':
                    folded.Append('n');
                    break;
                case 'œ':
                    folded.Append("oe");
                    break;
                case 'æ':
                    folded.Append("ae");
                    break;
                case >= '\u0300' and <= '\u036F':
                    // A combining accent of a decomposed letter (as macOS sends them): dropped.
                    break;
                default:
                    folded.Append(c);
                    break;
            }
        }

        return folded.ToString();
    }
}

/// <summary>
/// Every career page answers 404 unless <c>Careers:Enabled</c> is true. An authorization filter, so that it runs
/// before the antiforgery check and a POST to a disabled site is a 404 too, not a 400.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class CareersEnabledAttribute : Attribute, IAuthorizationFilter, IOrderedFilter
{
    public int Order => -3000;

    public void OnAuthorization(AuthorizationFilterContext context)
    {
        if (!context.HttpContext.RequestServices.GetRequiredService<IOptionsMonitor<CareersOptions>>().CurrentValue.Enabled)
        {
            context.Result = new NotFoundResult();
        }
    }
}

/// <summary>
/// Reads an application form under the intake's limits before anything else touches the body (the antiforgery
/// check reads the form too): a body over <see cref="ApplicationOptions.MaxRequestSize"/> is refused with a
/// friendly page, never read to its end nor turned into a server error. The form read here is the one the page
/// and the antiforgery check then use.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class CareerUploadLimitsAttribute : Attribute, IAsyncAuthorizationFilter, IOrderedFilter
{
    /// <summary>Text fields of the form: the token, five fields and the antiforgery token, with room to spare.</summary>
    private const int MaxValues = 32;

    public int Order => -2000;

    public async Task OnAuthorizationAsync(AuthorizationFilterContext context)
    {
        var http = context.HttpContext;
        var request = http.Request;
        if (!HttpMethods.IsPost(request.Method) || context.Result is not null)
        {
            return;
        }

        var limit = http.RequestServices.GetRequiredService<IOptionsMonitor<ApplicationOptions>>().CurrentValue.MaxRequestSize;
        var lang = http.RequestServices.GetRequiredService<Lang>();
        if (request.ContentLength > limit)
        {
            context.Result = TooLarge(http, lang, limit);
            return;
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        if (!request.HasFormContentType)
        {
            return;
        }

        http.Features.Set<IFormFeature>(new FormFeature(request, new FormOptions
        {
            MultipartBodyLengthLimit = limit,
            BufferBodyLengthLimit = limit,
            ValueCountLimit = MaxValues,
            ValueLengthLimit = 64 * 1024,
            MultipartHeadersCountLimit = 16,
        }));
        try
        {
            await request.ReadFormAsync(http.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            context.Result = TooLarge(http, lang, limit);
        }
        catch (InvalidDataException)
        {
            // A form past its limits (length, count of fields), or malformed.
            context.Result = TooLarge(http, lang, limit);
        }
        catch (Exception e) when (e is IOException or BadHttpRequestException)
        {
            context.Result = CareerSite.Message(http, StatusCodes.Status400BadRequest, new CareerMessage(
                lang.T("The form did not arrive whole", "Le formulaire n'est pas arrivé en entier"),
                lang.T("The connection was probably interrupted. Go back and send your application again.",
                    "La connexion a sans doute été interrompue. Revenez en arrière et envoyez à nouveau votre candidature."),
                null, null));
        }
    }

    private static ViewResult TooLarge(HttpContext http, Lang lang, long limit)
    {
        var options = http.RequestServices.GetRequiredService<IOptionsMonitor<ApplicationOptions>>().CurrentValue;
        var back = http.Request.Path.Value ?? "/";
        return CareerSite.Message(http, StatusCodes.Status413PayloadTooLarge, new CareerMessage(
            lang.T("Your files are too large", "Vos fichiers sont trop volumineux"),
            lang.T($"Each file may be at most {CareerSite.Megabytes(lang, options.MaxFileSize)} ({CareerSite.Megabytes(lang, limit)} for the whole form). Your application was not sent: go back, choose smaller files (a PDF export is usually small) and send it again.",
                $"Chaque fichier peut faire au plus {CareerSite.Megabytes(lang, options.MaxFileSize)} ({CareerSite.Megabytes(lang, limit)} pour tout le formulaire). Votre candidature n'a pas été envoyée : revenez au formulaire, choisissez des fichiers plus légers (un export PDF est en général léger) et envoyez-la à nouveau."),
            back, lang.T("Back to the form", "Revenir au formulaire")));
    }
}
