using System.Text;

namespace Passerelle.Server.Infrastructure;

/// <summary>Opaque page cursors over UUIDv7 ids (which sort in creation order), tagged so one list's cursor is refused by another.</summary>
internal static class Cursor
{
    public static string Encode(string tag, Guid id) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(tag + ":" + id.ToString("N"))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static Guid? Decode(string tag, string cursor)
    {
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(padded));
            return text.StartsWith(tag + ":", StringComparison.Ordinal) && Guid.TryParseExact(text[(tag.Length + 1)..], "N", out var id) ? id : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
