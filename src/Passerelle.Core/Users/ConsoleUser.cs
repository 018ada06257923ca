namespace Passerelle.Core.Users;

/// <summary>What a person signed in to the console may do.</summary>
public enum ConsoleRole
{
    /// <summary>Sees everything, changes nothing.</summary>
    Viewer,

    /// <summary>Finalises and looks after connections and their applications.</summary>
    AccountManager,

    /// <summary>Also manages users, API keys and webhook subscriptions.</summary>
    Admin,
}

/// <summary>
/// A person who signs in to the console. The password is stored only as a salted PBKDF2 hash
/// (<see cref="PasswordHashing"/>); a user signed in through OpenID Connect has no password, only a subject.
/// </summary>
public sealed class ConsoleUser
{
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>The sign-in name, compared case-insensitively (stored lower-case).</summary>
    public required string UserName { get; set; }

    public ConsoleRole Role { get; set; }
    public string? PasswordHash { get; set; }

    /// <summary>Set for a one-time password: the first sign-in must choose a new one.</summary>
    public bool MustChangePassword { get; set; }

    /// <summary>Failed sign-ins in a row; the lockout starts at <see cref="ConsoleUsers.MaxFailedSignIns"/>.</summary>
    public int FailedSignIns { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }

    /// <summary>OpenID Connect: the identity provider's <c>sub</c>, once the user has signed in that way.</summary>
    public string? ExternalSubject { get; set; }

    public DateTimeOffset CreatedAt { get; init; }
    public required string CreatedBy { get; init; }
    public DateTimeOffset? LastSignInAt { get; set; }
    public DateTimeOffset? DisabledAt { get; set; }

    /// <summary>
    /// Bumped by every change that must end existing sessions (password, role, disabling): a session cookie carries
    /// the stamp it was issued with and is refused once it differs.
    /// </summary>
    public long SecurityStamp { get; set; }

    public override string ToString() => $"ConsoleUser {{ Id = {Id}, Role = {Role} }}";
}
