using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Passerelle.Testing;

/// <summary>
/// A logger provider that keeps every line a host writes, for tests that count lines (<see cref="Count"/>) and for
/// leak searches, which need more than the message: <see cref="LogEntry.Full"/> also renders the structured state,
/// the scopes and the exceptions (with their <c>Data</c>), because a secret hidden in a state value reaches a
/// structured sink even when the message template leaves it out.
/// </summary>
/// <remarks>
/// It captures whatever the host's filters let through; a test that needs Trace adds
/// <c>AddFilter&lt;CapturedLogs&gt;(null, LogLevel.Trace)</c>.
/// </remarks>
public sealed class CapturedLogs : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    /// <summary>The lines so far, in the order they were written.</summary>
    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    /// <summary>How many lines of exactly <paramref name="level"/> have a message containing <paramref name="contains"/>.</summary>
    public int Count(LogLevel level, string contains) =>
        _entries.Count(e => e.Level == level && e.Message.Contains(contains, StringComparison.Ordinal));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    /// <summary>A value as a structured sink would write it: collections item by item.</summary>
    public static string Render(object? value) => value switch
    {
        null => "",
        string s => s,
        IEnumerable items => string.Join(", ", items.Cast<object?>().Select(Render)),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static void Append(StringBuilder line, string label, object? value)
    {
        line.Append(" | ").Append(label).Append(": ").Append(value is string or null ? value : value.ToString());
        if (value is IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            foreach (var (key, item) in pairs)
            {
                line.Append(" [").Append(key).Append('=').Append(Render(item)).Append(']');
            }
        }
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            var line = new StringBuilder($"{logLevel} {category}[{eventId.Id}:{eventId.Name}] {message}");
            Append(line, "state", state);
            for (var e = exception; e is not null; e = e.InnerException)
            {
                line.Append(" | exception: ").Append(e);
                foreach (DictionaryEntry entry in e.Data)
                {
                    line.Append(" [").Append(entry.Key).Append('=').Append(Render(entry.Value)).Append(']');
                }
            }

            owner._scopes.ForEachScope((scope, text) => Append(text, "scope", scope), line);
            owner._entries.Enqueue(new LogEntry(logLevel, category, eventId, message, line.ToString()));
        }
    }
}

/// <summary>One captured line: <see cref="Message"/> as formatted, <see cref="Full"/> with state, exceptions and scopes.</summary>
public sealed record LogEntry(LogLevel Level, string Category, EventId EventId, string Message, string Full);
