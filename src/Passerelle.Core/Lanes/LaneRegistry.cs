using System.Collections.Concurrent;
using Passerelle.Core.Connections;

namespace Passerelle.Core.Lanes;

/// <summary>The lanes active on this node (one per node, a singleton): for the node's health page and for tests.</summary>
public sealed class LaneRegistry
{
    private readonly ConcurrentDictionary<ConnectionId, byte> _active = new();

    public IReadOnlyCollection<ConnectionId> Active => [.. _active.Keys];

    internal void Activated(ConnectionId id) => _active[id] = 0;

    internal void Deactivated(ConnectionId id) => _active.TryRemove(id, out _);
}
