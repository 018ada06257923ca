using Passerelle.Core.Webhooks;

namespace Passerelle.Server.Webhooks;

/// <summary>The rules for subscription URLs and fields that the REST API and the console's admin page share.</summary>
internal static class WebhookRules
{
    public const int MaxUrlLength = 2000;
    public const int MaxDescriptionLength = 500;
    public const int MaxConnections = 100;

    // The signed body travels to this URL: HTTPS only, except to this machine (a local receiver; see IsRefusedAsNotPublic).
    public static bool IsAcceptableUrl(string url) =>
        url.Length <= MaxUrlLength && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length == 0 && uri.Fragment.Length == 0
        && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback));

    /// <summary>
    /// An acceptable URL that must still be refused: it points to this machine or a private network (see
    /// <see cref="WebhookAddresses"/>), or is plain http, while <see cref="WebhookOptions.AllowPrivateNetworks"/> is off.
    /// Names that resolve to such addresses are refused when the dispatcher connects.
    /// </summary>
    public static bool IsRefusedAsNotPublic(string url, WebhookOptions options)
    {
        var uri = new Uri(url.Trim(), UriKind.Absolute);
        return !options.AllowPrivateNetworks && (uri.Scheme != Uri.UriSchemeHttps || WebhookAddresses.IsKnownNonPublicHost(uri));
    }

    /// <summary>Known event types only, none repeated beyond the list's size.</summary>
    public static bool AreKnownEventTypes(IReadOnlyCollection<string> eventTypes) =>
        eventTypes.Count <= EventTypes.All.Count && eventTypes.All(t => EventTypes.All.Contains(t, StringComparer.Ordinal));
}
