using System.Globalization;
using System.Text;

namespace Passerelle.Core.Applications.Files;

/// <summary>Judges the file name a sender declared and derives the one Passerelle stores and passes on.</summary>
internal static class CvFileNames
{
    private const int MaxDeclaredUtf8Bytes = 255;
    private const int MaxSafeLength = 120;

    private static readonly string[] ReservedWindowsNames =
    [
        "CON", "PRN", "AUX", "NUL",
        "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    ];

    /// <summary>Why <paramref name="name"/> must be refused, as a sentence for the sender; null when it is fine.</summary>
    public static string? Problem(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                return "The file name is not valid Unicode text: rename the file and send it again.";
            }

            if (c < 0x20 || c is >= '\u007F' and <= '\u009F')
            {
                return "The file name contains control characters: rename the file and send it again.";
            }

            // Direction overrides make "cv\u202Efdp.exe" display as "cvexe.pdf": the classic way to disguise a type.
            if (c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\u200E' or '\u200F' or '\u061C')
            {
                return "The file name contains text-direction control characters: rename the file and send it again.";
            }
        }

        if (Encoding.UTF8.GetByteCount(name) > MaxDeclaredUtf8Bytes)
        {
            return $"The file name is longer than {MaxDeclaredUtf8Bytes} bytes: give the file a shorter name and send it again.";
        }

        if (name.Split('/', '\\').Any(segment => segment == ".."))
        {
            return "The file name contains a '..' path segment: send the file under its plain name.";
        }

        if (LastSegment(name).All(c => c == '.' || char.IsWhiteSpace(c)))
        {
            return "The file name has no name in it (only dots, spaces or a folder): rename the file and send it again.";
        }

        return null;
    }

    /// <summary>
    /// The extension of the declared name (lower case, without the dot), or null when it has none. Only a short run of
    /// ASCII letters and digits with at least one letter counts, so "CV v2.1" and "CV 2024.05" have none.
    /// </summary>
    public static string? Extension(string name)
    {
        var last = LastSegment(name).TrimEnd(' ', '.');
        var dot = last.LastIndexOf('.');
        if (dot < 0)
        {
            return null;
        }

        var extension = last[(dot + 1)..];
        return extension.Length is >= 1 and <= 10 && extension.All(char.IsAsciiLetterOrDigit) && extension.Any(char.IsAsciiLetter)
            ? extension.ToLowerInvariant()
            : null;
    }

    /// <summary>
    /// A name safe for any file system and for a Content-Disposition header: the last path segment, composed to NFC,
    /// without characters Windows refuses or that do not print, not a reserved device name, at most 120 characters,
    /// and ending in the extension of <paramref name="kind"/>. Call it only for names <see cref="Problem"/> accepted.
    /// </summary>
    public static string Safe(string? declared, CvKind kind, string fallbackBaseName)
    {
        var extension = kind.Extension();
        var baseName = string.IsNullOrEmpty(declared) ? "" : BaseName(declared);
        if (baseName.Length == 0)
        {
            baseName = fallbackBaseName;
        }

        var firstPart = baseName.Split('.')[0].TrimEnd(' ');
        if (ReservedWindowsNames.Contains(firstPart, StringComparer.OrdinalIgnoreCase))
        {
            baseName = "_" + baseName;
        }

        baseName = Shorten(baseName, MaxSafeLength - 1 - extension.Length);
        return $"{baseName}.{extension}";
    }

    private static string BaseName(string declared)
    {
        var name = NfcComposition.Compose(LastSegment(declared).Trim().TrimEnd('.'));
        if (Extension(name) is not null)
        {
            // The extension was checked against the content before this call: it is replaced by the canonical one.
            name = name[..name.LastIndexOf('.')];
        }

        var safe = new StringBuilder(name.Length);
        foreach (var rune in name.EnumerateRunes())
        {
            safe.Append(IsUnsafe(rune) ? "_" : rune.ToString());
        }

        return safe.ToString().Trim().Trim('.').Trim();
    }

    private static bool IsUnsafe(Rune rune) =>
        rune.Value is '<' or '>' or ':' or '"' or '|' or '?' or '*' or '/' or '\\'
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator;

    private static string Shorten(string name, int maxLength)
    {
        if (name.Length <= maxLength)
        {
            return name;
        }

        // Cut between text elements, so neither a surrogate pair nor a letter and its accent is split.
        var length = 0;
        while (length < name.Length)
        {
            var next = StringInfo.GetNextTextElementLength(name.AsSpan(length));
            if (length + next > maxLength)
            {
                break;
            }

            length += next;
        }

        return name[..length].TrimEnd(' ', '.');
    }

    // Old browsers send the whole client path ("C:\Users\marie\CV.pdf"); only the file's own name means anything.
    private static string LastSegment(string name) => name[(name.LastIndexOfAny(['/', '\\']) + 1)..];
}
