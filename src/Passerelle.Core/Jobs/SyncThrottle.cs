using Microsoft.Extensions.Options;

namespace Passerelle.Core.Jobs;

/// <summary>
/// The node's share of syncs: at most <see cref="SyncOptions.MaxConcurrentSyncs"/> at once, first come first served.
/// One per node (a singleton); the lanes take a turn around each sync.
/// </summary>
public sealed class SyncThrottle(IOptions<SyncOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _turns = new(options.Value.MaxConcurrentSyncs, options.Value.MaxConcurrentSyncs);

    /// <summary>Syncs waiting for a turn now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    private int _waiting;

    public async Task<T> RunAsync<T>(Func<Task<T>> sync, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            await _turns.WaitAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        try
        {
            return await sync();
        }
        finally
        {
            _turns.Release();
        }
    }

    public void Dispose() => _turns.Dispose();
}
