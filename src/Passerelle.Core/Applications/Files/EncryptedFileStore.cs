using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Passerelle.Core.Applications.Files;

/// <summary>
/// Applicants' files, encrypted at rest with keys kept outside the database and outside the file directory.
/// <para>
/// Each file has its own random 256-bit key, wrapped with Data Protection and handed back to the caller, who keeps it
/// in the database row: deleting that row's key crypto-shreds the file even in backups of this directory.
/// </para>
/// <para>
/// On disk: a 16-byte header (magic <c>PSLF</c>, version 1, three zero bytes, an 8-byte random nonce prefix), then
/// chunks of at most 64 KiB of plaintext sealed with AES-256-GCM, each followed by its 16-byte tag. A chunk's nonce is
/// the prefix and the chunk's index; its associated data are the header, the index and whether it is the last chunk,
/// so reordering, dropping, truncating or appending chunks, or editing the header, all fail authentication. Every
/// chunk but the last is full, which is how a reader knows where chunks end without storing lengths.
/// </para>
/// </summary>
public sealed class EncryptedFileStore
{
    /// <summary>The Data Protection purpose that wraps file keys; versioned so a new scheme can still unwrap old keys.</summary>
    public const string Purpose = "Passerelle.Applications.Files.v1";

    internal const int ChunkSize = 64 * 1024;
    internal const int TagSize = 16;
    internal const int HeaderSize = 16;
    private const int KeySize = 32;
    private const int NoncePrefixSize = 8;
    private const byte Version = 1;
    private const int MaxNameLength = 200;
    private const string TemporarySuffix = ".tmp";

    private readonly IDataProtector _protector;
    private readonly TimeProvider _timeProvider;

    public EncryptedFileStore(string rootDirectory, IDataProtectionProvider dataProtection, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        ArgumentNullException.ThrowIfNull(dataProtection);
        ArgumentNullException.ThrowIfNull(timeProvider);
        RootDirectory = Path.GetFullPath(rootDirectory);
        _protector = dataProtection.CreateProtector(Purpose);
        _timeProvider = timeProvider;
    }

    public string RootDirectory { get; }

    private static ReadOnlySpan<byte> Magic => "PSLF"u8;

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> to the file <paramref name="name"/>, streaming: never more than one chunk
    /// of it in memory. The file appears under its name only once complete and flushed to disk; an existing file of
    /// that name is replaced (a retried intake writes again under the same name, with a new key).
    /// </summary>
    /// <param name="name">Letters, digits and '-' only, 2 to 200 characters, e.g. <c>{applicationId:N}-cv</c>.</param>
    /// <param name="plaintext">The file's content, read to its end; not disposed.</param>
    /// <param name="cancellationToken">Cancels the write; the temporary file is then deleted.</param>
    public async Task<StoredFile> WriteAsync(string name, Stream plaintext, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        ArgumentNullException.ThrowIfNull(plaintext);
        var key = RandomNumberGenerator.GetBytes(KeySize);
        try
        {
            var wrappedKey = Base64Url.EncodeToString(_protector.Protect(key));
            var directory = Path.Combine(RootDirectory, name[..2]);
            Directory.CreateDirectory(directory);
            var temporary = Path.Combine(directory, $"{name}.{Guid.NewGuid():N}{TemporarySuffix}");
            try
            {
                var (length, sha256) = await EncryptAsync(key, plaintext, temporary, cancellationToken);
                // The rename is atomic: readers and a crash see the old file or the whole new one, never a half.
                File.Move(temporary, Path.Combine(directory, name), overwrite: true);
                return new StoredFile(name, wrappedKey, length, sha256);
            }
            catch
            {
                TryDelete(temporary);
                throw;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// A read-only, forward-only stream of the plaintext, decrypted and authenticated chunk by chunk as it is read.
    /// The first chunk is checked here, so a missing file, a wrong key or a lost key ring fail at once, before a
    /// caller starts an upload; damage further on fails the read that reaches it.
    /// </summary>
    /// <exception cref="StoredFileUnavailableException">The file is missing or damaged, or the key cannot be unwrapped.</exception>
    public Stream OpenRead(string name, string wrappedKey)
    {
        ValidateName(name);
        ArgumentNullException.ThrowIfNull(wrappedKey);
        FileStream file;
        try
        {
            file = new FileStream(PathOf(name), new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.Read | FileShare.Delete,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
                BufferSize = 0,
            });
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new StoredFileUnavailableException(
                $"The stored file {name} does not exist in {RootDirectory}: it was deleted (after delivery or on an erasure request) " +
                "or this is not the directory it was written to.", e);
        }

        try
        {
            var header = new byte[HeaderSize];
            file.ReadExactly(header);
            if (!header.AsSpan().StartsWith(Magic) || header[4] != Version)
            {
                throw Damaged(name, "its header is not that of a Passerelle encrypted file of a known version");
            }

            var stream = new DecryptingStream(file, Unwrap(name, wrappedKey), header, name);
            stream.ReadFirstChunk();
            return stream;
        }
        catch (EndOfStreamException e)
        {
            file.Dispose();
            throw Damaged(name, "it is shorter than its header", e);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Deletes the file; true if there was one. Deleting a missing file is not an error.</summary>
    public bool Delete(string name)
    {
        ValidateName(name);
        var path = PathOf(name);
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            File.Delete(path);
            return true;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Every stored file, for a sweeper that deletes the ones no application refers to any more.</summary>
    /// <remarks>Files being written are not listed; see <see cref="DeleteStaleTemporaryFiles"/>.</remarks>
    public IEnumerable<StoredFileInfo> List()
    {
        var root = new DirectoryInfo(RootDirectory);
        if (!root.Exists)
        {
            yield break;
        }

        foreach (var directory in root.EnumerateDirectories())
        {
            foreach (var file in directory.EnumerateFiles())
            {
                if (IsValidName(file.Name) && file.Name.StartsWith(directory.Name, StringComparison.Ordinal))
                {
                    yield return new StoredFileInfo(file.Name, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero));
                }
            }
        }
    }

    /// <summary>
    /// Deletes the temporary files of writes that never finished (a crash, a killed process) and were last written
    /// more than <paramref name="olderThan"/> ago. Returns how many were deleted.
    /// </summary>
    public int DeleteStaleTemporaryFiles(TimeSpan olderThan)
    {
        var root = new DirectoryInfo(RootDirectory);
        if (!root.Exists)
        {
            return 0;
        }

        var cutoff = _timeProvider.GetUtcNow() - olderThan;
        var deleted = 0;
        foreach (var directory in root.EnumerateDirectories())
        {
            foreach (var file in directory.EnumerateFiles("*" + TemporarySuffix))
            {
                if (new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero) < cutoff && TryDelete(file.FullName))
                {
                    deleted++;
                }
            }
        }

        return deleted;
    }

    internal static void Seal(AesGcm aes, ReadOnlySpan<byte> header, uint index, bool final, ReadOnlySpan<byte> plaintext, Span<byte> sealedChunk)
    {
        Span<byte> nonce = stackalloc byte[12];
        Span<byte> associated = stackalloc byte[HeaderSize + 5];
        Describe(header, index, final, nonce, associated);
        aes.Encrypt(nonce, plaintext, sealedChunk[..plaintext.Length], sealedChunk.Slice(plaintext.Length, TagSize), associated);
    }

    internal static void Unseal(AesGcm aes, ReadOnlySpan<byte> header, uint index, bool final, ReadOnlySpan<byte> sealedChunk, Span<byte> plaintext)
    {
        Span<byte> nonce = stackalloc byte[12];
        Span<byte> associated = stackalloc byte[HeaderSize + 5];
        Describe(header, index, final, nonce, associated);
        var length = sealedChunk.Length - TagSize;
        aes.Decrypt(nonce, sealedChunk[..length], sealedChunk[length..], plaintext[..length], associated);
    }

    internal static StoredFileUnavailableException Damaged(string name, string what, Exception? inner = null)
    {
        var message = $"The stored file {name} failed its integrity check ({what}): it was altered, truncated or extended on disk, " +
                      "or the key given is not this file's. Restore it from a backup or ask the applicant to send it again.";
        return inner is null ? new StoredFileUnavailableException(message) : new StoredFileUnavailableException(message, inner);
    }

    private static void Describe(ReadOnlySpan<byte> header, uint index, bool final, Span<byte> nonce, Span<byte> associated)
    {
        header.Slice(HeaderSize - NoncePrefixSize, NoncePrefixSize).CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[NoncePrefixSize..], index);
        header.CopyTo(associated);
        BinaryPrimitives.WriteUInt32BigEndian(associated[HeaderSize..], index);
        associated[HeaderSize + 4] = final ? (byte)1 : (byte)0;
    }

    private static async Task<(long Length, string Sha256)> EncryptAsync(byte[] key, Stream plaintext, string path, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderSize];
        Magic.CopyTo(header);
        header[4] = Version;
        RandomNumberGenerator.Fill(header.AsSpan(HeaderSize - NoncePrefixSize));

        // One byte more than a chunk: reading past a full chunk is how the writer learns whether it was the last.
        var chunk = new byte[ChunkSize + 1];
        var sealedChunk = new byte[ChunkSize + TagSize];
        using var aes = new AesGcm(key, TagSize);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous,
            BufferSize = 0,
        });
        await file.WriteAsync(header, cancellationToken);
        long length = 0;
        var filled = 0;
        for (uint index = 0; ; index = checked(index + 1))
        {
            filled += await plaintext.ReadAtLeastAsync(chunk.AsMemory(filled), chunk.Length - filled, throwOnEndOfStream: false, cancellationToken);
            var final = filled <= ChunkSize;
            var chunkLength = final ? filled : ChunkSize;
            sha256.AppendData(chunk, 0, chunkLength);
            length += chunkLength;
            Seal(aes, header, index, final, chunk.AsSpan(0, chunkLength), sealedChunk);
            await file.WriteAsync(sealedChunk.AsMemory(0, chunkLength + TagSize), cancellationToken);
            if (final)
            {
                break;
            }

            chunk[0] = chunk[ChunkSize];
            filled = 1;
        }

        await file.FlushAsync(cancellationToken);
        file.Flush(flushToDisk: true);
        CryptographicOperations.ZeroMemory(chunk);
        return (length, Convert.ToHexStringLower(sha256.GetHashAndReset()));
    }

    private byte[] Unwrap(string name, string wrappedKey)
    {
        try
        {
            var key = _protector.Unprotect(Base64Url.DecodeFromChars(wrappedKey));
            return key.Length == KeySize ? key : throw new CryptographicException("The unwrapped key has the wrong length.");
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            throw new StoredFileUnavailableException(
                $"The key of stored file {name} cannot be unwrapped: the Data Protection key ring is missing or is not the one that " +
                "wrapped it, or the key stored with the application is damaged. Restore the key ring from its backup; without it the file cannot be read.", e);
        }
    }

    private string PathOf(string name) => Path.Combine(RootDirectory, name[..2], name);

    private static void ValidateName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsValidName(name))
        {
            throw new ArgumentException($"A stored file's name is 2 to {MaxNameLength} letters, digits or '-', not '{name}'.", nameof(name));
        }
    }

    private static bool IsValidName(string name) =>
        name.Length is >= 2 and <= MaxNameLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
