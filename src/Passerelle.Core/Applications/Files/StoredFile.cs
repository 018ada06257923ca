namespace Passerelle.Core.Applications.Files;

/// <param name="Name">The caller's name for the file, e.g. <c>{applicationId:N}-cv</c>.</param>
/// <param name="WrappedKey">
/// The file's own key, wrapped with Data Protection. Store it with the application row: deleting it makes the file
/// unreadable everywhere, backups of the file directory included.
/// </param>
/// <param name="Length">The plaintext's length in bytes.</param>
/// <param name="Sha256Hex">The plaintext's SHA-256, lower-case hex.</param>
public sealed record StoredFile(string Name, string WrappedKey, long Length, string Sha256Hex);

/// <param name="Name">The file's name, as given to <see cref="EncryptedFileStore.WriteAsync"/>.</param>
/// <param name="LastWriteUtc">When the file was last written, from the file system.</param>
public sealed record StoredFileInfo(string Name, DateTimeOffset LastWriteUtc);

/// <summary>
/// Thrown when a stored file cannot be read back: missing, altered, truncated, or its key cannot be unwrapped. The
/// message names the file and says what to do; it never holds any of the file's content.
/// </summary>
public sealed class StoredFileUnavailableException : Exception
{
    public StoredFileUnavailableException(string message)
        : base(message)
    {
    }

    public StoredFileUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
