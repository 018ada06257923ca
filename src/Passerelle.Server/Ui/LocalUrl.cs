namespace Passerelle.Server.Ui;

/// <summary>
/// Whether a return address is a path of this site and nothing else: the rules of MVC's <c>IsLocalUrl</c> (a single
/// leading slash, no <c>//</c> or <c>/\</c>, no control character: browsers drop tabs and newlines, so <c>/%09/evil</c>
/// would become <c>//evil</c>), usable where no <c>IUrlHelper</c> exists.
/// </summary>
public static class LocalUrl
{
    public static bool IsLocal(string? url) =>
        url is { Length: > 0 } && url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(char.IsControl);

    /// <summary><paramref name="url"/> when it is local, else <paramref name="fallback"/>.</summary>
    public static string OrElse(string? url, string fallback) => IsLocal(url) ? url! : fallback;
}
