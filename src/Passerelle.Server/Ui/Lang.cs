using System.Globalization;

namespace Passerelle.Server.Ui;

/// <summary>
/// The reader's language for the console and the career pages: French or English. Texts are written in place as
/// pairs (<c>Lang.T("Sign in", "Se connecter")</c>) so that a page cannot miss a translation and both languages are
/// read side by side in review. The choice is the <c>passerelle-lang</c> cookie (set by <c>/lang/{code}</c>), else
/// French for a browser that prefers French, else English.
/// </summary>
public sealed class Lang(IHttpContextAccessor accessor, Microsoft.Extensions.Options.IOptions<ConsoleOptions> options)
{
    public const string CookieName = "passerelle-lang";
    private const string ItemKey = "passerelle:lang";

    private TimeZoneInfo? _zone;

    /// <summary><c>fr</c> or <c>en</c>.</summary>
    public string Code => accessor.HttpContext is { } context ? Of(context) : "en";

    public bool IsFrench => Code == "fr";

    public string T(string english, string french) => IsFrench ? french : english;

    /// <summary>The console's time zone (<c>Console:TimeZone</c>, default Europe/Paris).</summary>
    public TimeZoneInfo Zone => _zone ??= options.Value.TimeZoneInfo();

    /// <summary>A date and time in the console's zone: <c>04/12/2026 22:30</c> in French, <c>2026-12-04 22:30</c> in English.</summary>
    public string DateTime(DateTimeOffset? at)
    {
        if (at is not { } value)
        {
            return "—";
        }

        var local = TimeZoneInfo.ConvertTime(value, Zone);
        return local.ToString(IsFrench ? "dd/MM/yyyy HH:mm" : "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
    }

    public string Date(DateTimeOffset? at) =>
        at is { } value ? TimeZoneInfo.ConvertTime(value, Zone).ToString(IsFrench ? "dd/MM/yyyy" : "yyyy-MM-dd", CultureInfo.InvariantCulture) : "—";

    /// <summary>"3 min ago" / "il y a 3 min".</summary>
    public string Ago(DateTimeOffset? at, DateTimeOffset now)
    {
        if (at is not { } value)
        {
            return T("never", "jamais");
        }

        var span = now - value;
        var text = span switch
        {
            { TotalSeconds: < 60 } => T("just now", "à l'instant"),
            { TotalMinutes: < 60 } => T($"{(int)span.TotalMinutes} min ago", $"il y a {(int)span.TotalMinutes} min"),
            { TotalHours: < 48 } => T($"{(int)span.TotalHours} h ago", $"il y a {(int)span.TotalHours} h"),
            _ => T($"{(int)span.TotalDays} days ago", $"il y a {(int)span.TotalDays} jours"),
        };
        return text;
    }

    /// <summary>A count with a French-style thousands separator where French is read.</summary>
    public string Number(long value) => IsFrench
        ? value.ToString("#,0", CultureInfo.InvariantCulture).Replace(",", "\u202F", StringComparison.Ordinal)
        : value.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Of(HttpContext context)
    {
        if (context.Items[ItemKey] is string known)
        {
            return known;
        }

        var chosen = context.Request.Cookies[CookieName] switch
        {
            "fr" => "fr",
            "en" => "en",
            _ => FromBrowser(context.Request.Headers.AcceptLanguage.ToString()),
        };
        context.Items[ItemKey] = chosen;
        return chosen;
    }

    /// <summary>The first of the browser's languages that is French or English, by quality (ties: the order given).</summary>
    internal static string FromBrowser(string acceptLanguage)
    {
        if (!Microsoft.Net.Http.Headers.StringWithQualityHeaderValue.TryParseList([acceptLanguage], out var languages))
        {
            return "en";
        }

        var best = languages
            .Select((language, index) => (Tag: language.Value.Value?.ToLowerInvariant() ?? "", Quality: language.Quality ?? 1.0, Index: index))
            .Where(l => l.Quality > 0 && (l.Tag is "fr" or "en" || l.Tag.StartsWith("fr-", StringComparison.Ordinal) || l.Tag.StartsWith("en-", StringComparison.Ordinal)))
            .OrderByDescending(l => l.Quality).ThenBy(l => l.Index)
            .FirstOrDefault();
        return best.Tag?.StartsWith("fr", StringComparison.Ordinal) == true ? "fr" : "en";
    }

    /// <summary><c>GET /lang/{fr|en}?returnUrl=…</c>: remembers the choice for a year and goes back to the page.</summary>
    public static void MapLanguageSwitch(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/lang/{code}", (string code, string? returnUrl, HttpContext context) =>
        {
            if (code is not ("fr" or "en"))
            {
                return Results.Redirect("/");
            }

            context.Response.Cookies.Append(CookieName, code, new CookieOptions
            {
                HttpOnly = true,
                IsEssential = true,
                SameSite = SameSiteMode.Lax,
                Secure = context.Request.IsHttps,
                MaxAge = TimeSpan.FromDays(365),
            });

            // Only a path of this site: never an open redirect.
            return Results.LocalRedirect(LocalUrl.OrElse(returnUrl, "/"));
        }).ExcludeFromDescription().AllowAnonymous();
}
