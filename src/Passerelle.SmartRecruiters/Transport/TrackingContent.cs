using System.Net;

namespace Passerelle.SmartRecruiters.Transport;

/// <summary>
/// Wraps a request body to learn whether any of it left. Creates are sent with <c>Expect: 100-continue</c>, so a
/// body that never started was never asked for: SR cannot have acted on it, and the failure is provably NotSent.
/// </summary>
internal sealed class TrackingContent : HttpContent
{
    private readonly HttpContent _inner;
    private int _started;

    public TrackingContent(HttpContent inner)
    {
        _inner = inner;
        foreach (var header in inner.Headers)
        {
            Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
    }

    public bool Started => Volatile.Read(ref _started) == 1;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _started, 1);
        await _inner.CopyToAsync(stream, context, cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _inner.Headers.ContentLength ?? -1;
        return length >= 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
