using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Passerelle.Core.Persistence;
using Passerelle.Core.Users;

namespace Passerelle.Core.Tests;

/// <summary>The console's users on both providers: sign-in, lockout on the clock, one-time passwords, OpenID Connect linking.</summary>
public sealed class ConsoleUsersTests
{
    public static TheoryData<DatabaseProvider> Providers => PersistenceTests.Providers;

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero));

    private ConsoleUsers Users(TestDatabase database) => new(database.NewContext(), _clock, NullLogger<ConsoleUsers>.Instance);

    [SkippableTheory]
    [MemberData(nameof(Providers))]
    public async Task A_lockout_ends_after_its_duration_and_a_good_sign_in_resets_the_count(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var (user, issued) = (await Users(database).CreateAsync("Camille.Martin", ConsoleRole.AccountManager, "test")).ShouldNotBeNull();
        var password = issued.ShouldNotBeNull();
        user.UserName.ShouldBe("camille.martin");
        user.PasswordHash.ShouldNotBeNull().ShouldStartWith("pbkdf2-sha512$210000$");
        user.PasswordHash.ShouldNotContain(password);

        for (var i = 0; i < ConsoleUsers.MaxFailedSignIns - 1; i++)
        {
            (await Users(database).SignInAsync("camille.martin", "nope")).Kind.ShouldBe(SignInResultKind.Invalid);
        }

        (await Users(database).SignInAsync(" CAMILLE.MARTIN ", password)).Kind.ShouldBe(SignInResultKind.SignedIn, "four failures do not lock");
        for (var i = 0; i < ConsoleUsers.MaxFailedSignIns; i++)
        {
            (await Users(database).SignInAsync("camille.martin", "nope")).Kind.ShouldBe(i < ConsoleUsers.MaxFailedSignIns - 1 ? SignInResultKind.Invalid : SignInResultKind.LockedOut);
        }

        (await Users(database).SignInAsync("camille.martin", password)).Kind.ShouldBe(SignInResultKind.LockedOut);
        _clock.Advance(ConsoleUsers.LockoutDuration - TimeSpan.FromSeconds(1));
        (await Users(database).SignInAsync("camille.martin", password)).Kind.ShouldBe(SignInResultKind.LockedOut);
        _clock.Advance(TimeSpan.FromSeconds(2));
        (await Users(database).SignInAsync("camille.martin", password)).Kind.ShouldBe(SignInResultKind.SignedIn);
    }

    [SkippableTheory]
    [MemberData(nameof(Providers))]
    public async Task A_reset_gives_a_new_one_time_password_unlocks_and_ends_sessions(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var (user, issued) = (await Users(database).CreateAsync("dominique", ConsoleRole.Viewer, "test")).ShouldNotBeNull();
        var first = issued.ShouldNotBeNull();
        for (var i = 0; i < ConsoleUsers.MaxFailedSignIns; i++)
        {
            await Users(database).SignInAsync("dominique", "nope");
        }

        var second = (await Users(database).ResetPasswordAsync(user.Id)).ShouldNotBeNull();
        second.ShouldNotBe(first);
        (await Users(database).SignInAsync("dominique", first)).Kind.ShouldBe(SignInResultKind.Invalid);
        var signedIn = await Users(database).SignInAsync("dominique", second);
        signedIn.Kind.ShouldBe(SignInResultKind.SignedIn);
        signedIn.User!.MustChangePassword.ShouldBeTrue();
        signedIn.User.SecurityStamp.ShouldBeGreaterThan(user.SecurityStamp);

        (await Users(database).ChangePasswordAsync(user.Id, second, "dominique")).ShouldBe(PasswordProblem.TooShort);
        (await Users(database).ChangePasswordAsync(user.Id, second, "un nouveau mot de passe")).ShouldBe(PasswordProblem.None);
        (await Users(database).CreateAsync("Dominique", ConsoleRole.Admin, "test")).ShouldBeNull("user names are unique whatever their case");
    }

    [SkippableTheory]
    [MemberData(nameof(Providers))]
    public async Task OpenID_Connect_links_a_single_sign_on_user_by_name_then_by_subject_and_never_a_user_with_a_password(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var (known, none) = (await Users(database).CreateAsync("alex@hippolyte-rh.fr", ConsoleRole.AccountManager, "test", singleSignOnOnly: true)).ShouldNotBeNull();
        none.ShouldBeNull();
        var (local, _) = (await Users(database).CreateAsync("admin", ConsoleRole.Admin, "test")).ShouldNotBeNull();
        (await Users(database).ExternalSignInAsync("sub-0", "admin", defaultRole: ConsoleRole.Viewer)).ShouldBeNull(
            "a user with a password is never taken over by whoever picks the same name at the provider");
        (await Users(database).FindAsync(local.Id)).ShouldNotBeNull().ExternalSubject.ShouldBeNull();

        (await Users(database).ExternalSignInAsync("sub-1", "ALEX@hippolyte-rh.fr", defaultRole: null)).ShouldNotBeNull().Id.ShouldBe(known.Id);
        // Renamed at the provider: still the same person, found by subject.
        (await Users(database).ExternalSignInAsync("sub-1", "alexandre@hippolyte-rh.fr", defaultRole: null)).ShouldNotBeNull().Id.ShouldBe(known.Id);
        // Someone else claiming the linked name is not let in as that user.
        (await Users(database).ExternalSignInAsync("sub-2", "alex@hippolyte-rh.fr", defaultRole: null)).ShouldBeNull();
        (await Users(database).ExternalSignInAsync("sub-3", "sam@hippolyte-rh.fr", defaultRole: null)).ShouldBeNull();

        var created = (await Users(database).ExternalSignInAsync("sub-3", "sam@hippolyte-rh.fr", ConsoleRole.Viewer)).ShouldNotBeNull();
        created.Role.ShouldBe(ConsoleRole.Viewer);
        created.PasswordHash.ShouldBeNull();
        (await Users(database).SignInAsync("sam@hippolyte-rh.fr", "")).Kind.ShouldBe(SignInResultKind.Invalid, "an external user has no password to guess");

        await Users(database).UpdateAsync(known.Id, role: null, disabled: true);
        (await Users(database).ExternalSignInAsync("sub-1", "alex@hippolyte-rh.fr", defaultRole: null)).ShouldBeNull("disabled in the console means out");
    }

    [Fact]
    public void A_stored_hash_verifies_only_its_password_and_asks_for_a_rehash_when_weaker_than_today()
    {
        var hash = PasswordHashing.Hash("une phrase de passe");
        PasswordHashing.Verify("une phrase de passe", hash, out var rehash).ShouldBeTrue();
        rehash.ShouldBeFalse();
        PasswordHashing.Verify("une phrase de passe!", hash, out _).ShouldBeFalse();
        PasswordHashing.Verify("x", "not a hash", out _).ShouldBeFalse();
        PasswordHashing.Verify("x", "pbkdf2-sha512$abc$%%%$%%%", out _).ShouldBeFalse();

        var parts = hash.Split('$');
        var weaker = string.Join('$', parts[0], "1000", parts[2], Convert.ToBase64String(System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(
            "une phrase de passe"u8, Convert.FromBase64String(parts[2]), 1000, System.Security.Cryptography.HashAlgorithmName.SHA512, 32)));
        PasswordHashing.Verify("une phrase de passe", weaker, out rehash).ShouldBeTrue();
        rehash.ShouldBeTrue();
    }
}
