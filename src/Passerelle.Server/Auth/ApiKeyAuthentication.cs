using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Passerelle.Core.ApiClients;
using Passerelle.Core.Persistence;

namespace Passerelle.Server.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;api key&gt;</c>: the key is looked up by its prefix and checked against its hash.
/// Repeated failures from one address are throttled (429 with Retry-After) to make guessing pointless.
/// </summary>
internal sealed partial class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggers, UrlEncoder encoder,
    PasserelleDbContext db, FailedAuthLimiter limiter, TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string ClientIdClaim = "passerelle:client";
    public const string ConnectionClaim = "passerelle:connection";
    private const string BlockedKey = "passerelle:auth-blocked";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var address = Context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var key = header["Bearer ".Length..].Trim();
        var prefix = ApiClient.PrefixOf(key);
        var candidates = key.StartsWith(ApiClient.KeyScheme, StringComparison.Ordinal) && key.Length <= 100
            ? await db.ApiClients.AsNoTracking().Where(c => c.KeyPrefix == prefix && c.RevokedAt == null).ToListAsync(Context.RequestAborted)
            : [];
        var client = candidates.FirstOrDefault(c => c.Matches(key));
        if (client is null)
        {
            // A valid key always gets through; only failures are throttled, so one guesser behind a shared address
            // cannot lock out the callers who hold keys.
            if (limiter.IsBlocked(address, time.GetUtcNow(), out var retryAfter))
            {
                Context.Items[BlockedKey] = retryAfter;
                return AuthenticateResult.Fail("Too many failed attempts from this address.");
            }

            // Authentication can run more than once per request (middleware, then the authorization policy):
            // one request is one failure.
            if (Context.Items.TryAdd(typeof(FailedAuthLimiter), true))
            {
                limiter.Failed(address, time.GetUtcNow());
            }

            Log.Rejected(Logger, address);
            return AuthenticateResult.Fail("Unknown or revoked API key.");
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, client.Name),
            new(ClientIdClaim, client.Id.ToString()),
            new(ClaimTypes.Role, client.Role.ToString()),
        };
        claims.AddRange(client.AllowedConnections.Select(c => new Claim(ConnectionClaim, c.ToString())));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[BlockedKey] is TimeSpan retryAfter)
        {
            Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await Infrastructure.Problems.Of(StatusCodes.Status429TooManyRequests, "auth.too_many_failures",
                "Too many failed authentications from this address: wait for the time given in Retry-After, then use a valid API key.").ExecuteAsync(Context);
            return;
        }

        Response.Headers.WWWAuthenticate = "Bearer";
        await Infrastructure.Problems.Of(StatusCodes.Status401Unauthorized, "auth.api_key_required",
            "Send a valid API key as 'Authorization: Bearer <key>'. Keys are created by an admin; the first one is written at first start to the data directory.").ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Infrastructure.Problems.Of(StatusCodes.Status403Forbidden, "auth.role_required",
            "This API key's role may not do this: connections and keys need an 'admin' key.").ExecuteAsync(Context);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Rejected an API key from {Address}")]
        public static partial void Rejected(ILogger logger, string address);
    }
}

/// <summary>Counts failed authentications per address in a sliding minute.</summary>
public sealed class FailedAuthLimiter
{
    public const int MaxFailuresPerMinute = 10;
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new();

    public void Failed(string address, DateTimeOffset now)
    {
        if (_failures.Count > 10_000)
        {
            // Addresses that have not failed for a minute are forgotten, so rotating addresses cannot grow the table.
            foreach (var (stale, _) in _failures.Where(f => { lock (f.Value) { return f.Value.Count == 0 || now - f.Value.Last() >= TimeSpan.FromMinutes(1); } }).ToList())
            {
                _failures.TryRemove(stale, out _);
            }
        }

        var queue = _failures.GetOrAdd(address, _ => new Queue<DateTimeOffset>());
        lock (queue)
        {
            queue.Enqueue(now);
            while (queue.Count > MaxFailuresPerMinute + 1)
            {
                queue.Dequeue();
            }
        }
    }

    public bool IsBlocked(string address, DateTimeOffset now, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!_failures.TryGetValue(address, out var queue))
        {
            return false;
        }

        lock (queue)
        {
            while (queue.Count > 0 && now - queue.Peek() >= TimeSpan.FromMinutes(1))
            {
                queue.Dequeue();
            }

            if (queue.Count < MaxFailuresPerMinute)
            {
                return false;
            }

            retryAfter = queue.Peek() + TimeSpan.FromMinutes(1) - now;
            return true;
        }
    }
}

/// <summary>On first start with no API client, creates an admin key and writes it once: console and an owner-only file.</summary>
internal static partial class BootstrapAdminKey
{
    public const string FileName = "bootstrap-admin-key.txt";

    public static async Task EnsureAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        if (await db.ApiClients.AnyAsync(cancellationToken))
        {
            return;
        }

        var time = scope.ServiceProvider.GetRequiredService<TimeProvider>();
        var (client, key) = ApiClient.Issue("bootstrap-admin", ApiRole.Admin, "system:bootstrap", time.GetUtcNow());
        db.ApiClients.Add(client);
        await db.SaveChangesAsync(cancellationToken);

        var path = await Infrastructure.OwnerOnlyFile.WriteAsync(
            scope.ServiceProvider.GetRequiredService<IOptions<PasserelleOptions>>().Value.DataDirectory, FileName, key, cancellationToken);

        // The one place a key is printed: the operator needs it once, and it is also in the owner-only file.
        Console.WriteLine($"Passerelle: created the first admin API key. It is shown once, here and in {path} (readable by its owner only); store it elsewhere and delete the file:");
        Console.WriteLine(key);
    }
}
