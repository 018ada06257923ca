using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Passerelle.Core.Persistence;

namespace Passerelle.Core.Users;

public enum SignInResultKind
{
    SignedIn,

    /// <summary>Unknown user or wrong password: the two are never told apart.</summary>
    Invalid,
    LockedOut,
    Disabled,
}

public sealed record SignInResult(SignInResultKind Kind, ConsoleUser? User = null, DateTimeOffset? LockedUntil = null);

/// <summary>Why a password is refused; the console words each one in the reader's language.</summary>
public enum PasswordProblem
{
    None,
    TooShort,
    TooLong,
    SameAsUserName,
    SameAsCurrent,
    WrongCurrent,
}

/// <summary>
/// The console's users: sign-in with lockout, password changes, the first admin. A sign-in is refused for
/// <see cref="LockoutDuration"/> after <see cref="MaxFailedSignIns"/> failures in a row, whoever tries (a lockout per
/// account, on top of the per-address throttle).
/// </summary>
public sealed partial class ConsoleUsers(PasserelleDbContext db, TimeProvider time, ILogger<ConsoleUsers> logger)
{
    public const int MaxFailedSignIns = 5;
    public const int MinPasswordLength = 12;
    public const int MaxPasswordLength = 200;
    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(15);

    // Verifying against this when the user does not exist makes an unknown name take as long as a wrong password.
    private static readonly string DummyHash = PasswordHashing.Hash(Guid.NewGuid().ToString());

    public static string Normalize(string userName) => userName.Trim().ToLowerInvariant();

    public Task<ConsoleUser?> FindAsync(Guid id, CancellationToken cancellationToken = default) =>
        db.Set<ConsoleUser>().SingleOrDefaultAsync(u => u.Id == id, cancellationToken);

    public Task<List<ConsoleUser>> ListAsync(CancellationToken cancellationToken = default) =>
        db.Set<ConsoleUser>().AsNoTracking().OrderBy(u => u.UserName).ToListAsync(cancellationToken);

    public async Task<SignInResult> SignInAsync(string userName, string password, CancellationToken cancellationToken = default)
    {
        var name = Normalize(userName);
        var user = await db.Set<ConsoleUser>().SingleOrDefaultAsync(u => u.UserName == name, cancellationToken);
        var now = time.GetUtcNow();
        if (user is null || user.PasswordHash is null)
        {
            PasswordHashing.Verify(password, DummyHash, out _);
            return new SignInResult(SignInResultKind.Invalid);
        }

        if (user.LockedUntil is { } until && until > now)
        {
            // Even the right password is refused while locked, so guessing gains nothing from the lockout.
            return new SignInResult(SignInResultKind.LockedOut, LockedUntil: until);
        }

        if (!PasswordHashing.Verify(password, user.PasswordHash, out var needsRehash))
        {
            // Counted in the database, not on the entity read above: parallel guesses each add one, none is lost.
            var row = db.Set<ConsoleUser>().Where(u => u.Id == user.Id);
            await row.ExecuteUpdateAsync(u => u.SetProperty(x => x.FailedSignIns, x => x.FailedSignIns + 1), cancellationToken);
            var lockedUntil = now + LockoutDuration;
            if (await row.Where(u => u.FailedSignIns >= MaxFailedSignIns)
                    .ExecuteUpdateAsync(u => u.SetProperty(x => x.FailedSignIns, 0).SetProperty(x => x.LockedUntil, lockedUntil), cancellationToken) > 0)
            {
                Log.LockedOut(logger, user.Id, LockoutDuration);
                return new SignInResult(SignInResultKind.LockedOut, LockedUntil: lockedUntil);
            }

            return new SignInResult(SignInResultKind.Invalid);
        }

        if (user.DisabledAt is not null)
        {
            return new SignInResult(SignInResultKind.Disabled);
        }

        user.FailedSignIns = 0;
        user.LockedUntil = null;
        user.LastSignInAt = now;
        if (needsRehash)
        {
            user.PasswordHash = PasswordHashing.Hash(password);
        }

        await db.SaveChangesAsync(cancellationToken);
        Log.SignedIn(logger, user.Id);
        return new SignInResult(SignInResultKind.SignedIn, user);
    }

    public static PasswordProblem Check(string userName, string password) => password switch
    {
        { Length: < MinPasswordLength } => PasswordProblem.TooShort,
        { Length: > MaxPasswordLength } => PasswordProblem.TooLong,
        _ when string.Equals(Normalize(password), Normalize(userName), StringComparison.Ordinal) => PasswordProblem.SameAsUserName,
        _ => PasswordProblem.None,
    };

    /// <summary>Changes a user's own password: the current one is checked, and every other session ends.</summary>
    public async Task<PasswordProblem> ChangePasswordAsync(Guid id, string current, string next, CancellationToken cancellationToken = default)
    {
        var user = await db.Set<ConsoleUser>().SingleOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user?.PasswordHash is null || !PasswordHashing.Verify(current, user.PasswordHash, out _))
        {
            return PasswordProblem.WrongCurrent;
        }

        if (current == next)
        {
            return PasswordProblem.SameAsCurrent;
        }

        if (Check(user.UserName, next) is not PasswordProblem.None and var problem)
        {
            return problem;
        }

        user.PasswordHash = PasswordHashing.Hash(next);
        user.MustChangePassword = false;
        user.SecurityStamp++;
        await db.SaveChangesAsync(cancellationToken);
        Log.PasswordChanged(logger, user.Id);
        return PasswordProblem.None;
    }

    /// <summary>
    /// Creates a user with a one-time password, returned once; null when the name is taken. A single-sign-on user has
    /// no password (null): they sign in through the identity provider only, linked at their first sign-in by name.
    /// </summary>
    public async Task<(ConsoleUser User, string? OneTimePassword)?> CreateAsync(string userName, ConsoleRole role, string actor,
        bool singleSignOnOnly = false, CancellationToken cancellationToken = default)
    {
        var name = Normalize(userName);
        if (await db.Set<ConsoleUser>().AnyAsync(u => u.UserName == name, cancellationToken))
        {
            return null;
        }

        var password = singleSignOnOnly ? null : PasswordHashing.NewOneTimePassword();
        var user = new ConsoleUser
        {
            UserName = name,
            Role = role,
            PasswordHash = password is null ? null : PasswordHashing.Hash(password),
            MustChangePassword = password is not null,
            CreatedAt = time.GetUtcNow(),
            CreatedBy = actor,
        };
        db.Add(user);
        await db.SaveChangesAsync(cancellationToken);
        Log.Created(logger, user.Id, role);
        return (user, password);
    }

    /// <summary>A new one-time password for a user who forgot theirs; unlocks the account and ends their sessions.</summary>
    public async Task<string?> ResetPasswordAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var user = await db.Set<ConsoleUser>().SingleOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user is null)
        {
            return null;
        }

        var password = PasswordHashing.NewOneTimePassword();
        user.PasswordHash = PasswordHashing.Hash(password);
        user.MustChangePassword = true;
        user.FailedSignIns = 0;
        user.LockedUntil = null;
        user.SecurityStamp++;
        await db.SaveChangesAsync(cancellationToken);
        return password;
    }

    /// <summary>Changes a user's role or enables/disables them; existing sessions end either way.</summary>
    public async Task<ConsoleUser?> UpdateAsync(Guid id, ConsoleRole? role, bool? disabled, CancellationToken cancellationToken = default)
    {
        var user = await db.Set<ConsoleUser>().SingleOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user is null)
        {
            return null;
        }

        if (role is { } newRole && newRole != user.Role)
        {
            user.Role = newRole;
            user.SecurityStamp++;
        }

        if (disabled is { } off && off != user.DisabledAt is not null)
        {
            user.DisabledAt = off ? time.GetUtcNow() : null;
            user.SecurityStamp++;
        }

        await db.SaveChangesAsync(cancellationToken);
        return user;
    }

    /// <summary>
    /// OpenID Connect: the user linked to <paramref name="subject"/>, else the single-sign-on user (one without a
    /// password) named <paramref name="userName"/> (linked now), else a new user of <paramref name="defaultRole"/> when one is given. Null when none may sign in.
    /// </summary>
    public async Task<ConsoleUser?> ExternalSignInAsync(string subject, string userName, ConsoleRole? defaultRole, CancellationToken cancellationToken = default)
    {
        var name = Normalize(userName);
        var users = db.Set<ConsoleUser>();
        // By name, only a user made for single sign-on (no password): otherwise whoever can pick the name "admin" at the
        // provider would become the console's admin.
        var user = await users.SingleOrDefaultAsync(u => u.ExternalSubject == subject, cancellationToken)
                   ?? await users.SingleOrDefaultAsync(u => u.UserName == name && u.ExternalSubject == null && u.PasswordHash == null, cancellationToken);
        if (user is null)
        {
            if (defaultRole is not { } role || await users.AnyAsync(u => u.UserName == name, cancellationToken))
            {
                return null;
            }

            user = new ConsoleUser { UserName = name, Role = role, CreatedAt = time.GetUtcNow(), CreatedBy = "oidc" };
            users.Add(user);
        }

        if (user.DisabledAt is not null)
        {
            return null;
        }

        user.ExternalSubject = subject;
        user.LastSignInAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return user;
    }

    /// <summary>The first admin, when there is no user at all: its one-time password is returned once, else null.</summary>
    public async Task<string?> EnsureFirstAdminAsync(CancellationToken cancellationToken = default)
    {
        if (await db.Set<ConsoleUser>().AnyAsync(cancellationToken))
        {
            return null;
        }

        try
        {
            return (await CreateAsync("admin", ConsoleRole.Admin, "system:bootstrap", cancellationToken: cancellationToken))?.OneTimePassword;
        }
        catch (DbUpdateException)
        {
            // Another node starting at the same moment created it: that node shows the password.
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Console user {UserId} signed in")]
        public static partial void SignedIn(ILogger logger, Guid userId);

        [LoggerMessage(2, LogLevel.Warning, "Console user {UserId} is locked out for {Duration} after repeated failed sign-ins")]
        public static partial void LockedOut(ILogger logger, Guid userId, TimeSpan duration);

        [LoggerMessage(3, LogLevel.Information, "Console user {UserId} changed their password")]
        public static partial void PasswordChanged(ILogger logger, Guid userId);

        [LoggerMessage(4, LogLevel.Information, "Console user {UserId} created with role {Role}")]
        public static partial void Created(ILogger logger, Guid userId, ConsoleRole role);
    }
}
