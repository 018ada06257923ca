using Ganss.Xss;

namespace Passerelle.Core.Jobs;

/// <summary>
/// Job ad HTML from SR is written by the customer's recruiters and shown by Hippolyte-rh on job boards and career
/// sites: it is cleaned once, on the way in, to formatting and links only (no scripts, styles, frames, forms, event
/// handlers or non-web URLs), so every page that shows it is safe without cleaning it again.
/// </summary>
public static class JobAdHtml
{
    private static readonly HtmlSanitizer Sanitizer = Create();

    public static string Sanitize(string html) => Sanitizer.Sanitize(html).Trim();

    private static HtmlSanitizer Create()
    {
        var sanitizer = new HtmlSanitizer();
        sanitizer.AllowedSchemes.Clear();
        sanitizer.AllowedSchemes.UnionWith(["https", "http", "mailto"]);

        // Presentation belongs to the page that shows the ad, not to the ad.
        sanitizer.AllowedAttributes.ExceptWith(["style", "class", "id"]);
        sanitizer.AllowedTags.ExceptWith(["img", "form", "input", "button", "textarea", "select", "option"]);
        sanitizer.AllowedCssProperties.Clear();

        // Links leave the page without handing it over to the target.
        sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is AngleSharp.Dom.IElement { LocalName: "a" } link && link.HasAttribute("href"))
            {
                link.SetAttribute("rel", "noopener noreferrer nofollow");
            }
        };
        sanitizer.AllowedAttributes.Add("rel");
        return sanitizer;
    }
}
