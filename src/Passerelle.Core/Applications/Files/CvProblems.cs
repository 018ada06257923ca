namespace Passerelle.Core.Applications.Files;

/// <summary>
/// The stable, machine-readable codes of <see cref="CvRejected"/>. Clients branch on them, so they never change
/// meaning; the human sentence next to them may.
/// </summary>
public static class CvProblems
{
    /// <summary>400: the file has no bytes.</summary>
    public const string Empty = "file.empty";

    /// <summary>415: the content is none of PDF, DOC, DOCX, RTF, ODT or UTF-8/UTF-16 text (or it is HTML, SVG, XML or a script).</summary>
    public const string TypeUnsupported = "file.type_unsupported";

    /// <summary>415: the declared Content-Type or the file name's extension names another type than the content.</summary>
    public const string TypeMismatch = "file.type_mismatch";

    /// <summary>415: the content is valid as two formats at once (a PDF that is also a ZIP, a prefixed ZIP, …).</summary>
    public const string Polyglot = "file.polyglot";

    /// <summary>422: the content starts like an accepted kind but is broken or incomplete.</summary>
    public const string Corrupt = "file.corrupt";

    /// <summary>422: a DOCX or ODT archive that is dangerous to open (bomb, nested archive, escaping paths, lying sizes).</summary>
    public const string ArchiveUnsafe = "file.archive_unsafe";

    /// <summary>400: the declared file name carries control or direction characters, a '..' segment, or is too long.</summary>
    public const string NameInvalid = "file.name_invalid";
}
