namespace Passerelle.SmartRecruiters;

/// <summary>
/// One customer's SR credential, passed with every call: the client serves many connections at once and holds no
/// credential of its own. The secret is fetched from <see cref="Secret"/> only when a token must be requested.
/// </summary>
/// <param name="ConnectionId">Passerelle's id for the connection, for logs and metrics.</param>
/// <param name="BaseUrl">SR's API root (production or a sandbox).</param>
/// <param name="ClientId">The OAuth client id the customer created.</param>
/// <param name="Secret">Where the client secret comes from (decrypted on demand, never cached by the client).</param>
public sealed record SrCredential(string ConnectionId, Uri BaseUrl, string ClientId, ISrSecretSource Secret)
{
    /// <summary>Tokens and the rate budget belong to the credential (base URL + client id), not to the connection.</summary>
    internal string Key { get; } = $"{BaseUrl.GetLeftPart(UriPartial.Authority)}{BaseUrl.AbsolutePath.TrimEnd('/')}|{ClientId}";

    // The generated ToString would print the secret source; ids only.
    public override string ToString() => $"SrCredential {{ ConnectionId = {ConnectionId}, ClientId = {ClientId}, BaseUrl = {BaseUrl} }}";
}

/// <summary>Supplies a client secret when the client needs one.</summary>
public interface ISrSecretSource
{
    ValueTask<string> GetSecretAsync(CancellationToken cancellationToken);
}

/// <summary>A secret held in memory: for a secret being verified before it is stored, for tests and the bench.</summary>
public sealed class InMemorySecret(string secret) : ISrSecretSource
{
    public ValueTask<string> GetSecretAsync(CancellationToken cancellationToken) => ValueTask.FromResult(secret);

    public override string ToString() => "InMemorySecret(***)";
}

/// <summary>
/// A file to upload, opened afresh for each attempt so that a retry never needs the bytes in memory.
/// </summary>
/// <param name="FileName">The name SR shows (e.g. <c>cv-ada.pdf</c>).</param>
/// <param name="ContentType">Its media type.</param>
/// <param name="Length">Its size in bytes (sizes the upload timeout and the Content-Length).</param>
/// <param name="OpenAsync">Opens a readable stream positioned at the start.</param>
public sealed record SrFile(string FileName, string ContentType, long Length, Func<CancellationToken, ValueTask<Stream>> OpenAsync)
{
    /// <summary>A file on disk.</summary>
    public static SrFile FromPath(string path, string contentType, string? fileName = null) =>
        new(fileName ?? Path.GetFileName(path), contentType, new FileInfo(path).Length,
            _ => ValueTask.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan)));
}
