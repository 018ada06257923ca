using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Passerelle.Core.Applications.Files;
using Passerelle.Core.Secrets;

namespace Passerelle.Core.Tests.Applications;

public sealed class EncryptedFileStoreTests : IDisposable
{
    private const int Chunk = 64 * 1024;
    private const int Header = 16;
    private const int Tag = 16;
    private const string Name = "0f8fad5bd9cb469fa16570867728950e-cv";

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("passerelle-files-");
    private readonly EphemeralDataProtectionProvider _dataProtection = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly EncryptedFileStore _store;

    public EncryptedFileStoreTests() => _store = new EncryptedFileStore(_root.FullName, _dataProtection, _time);

    public void Dispose() => _root.Delete(recursive: true);

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    private string PathOf(string name) => Path.Combine(_root.FullName, name[..2], name);

    private async Task<StoredFile> WriteAsync(byte[] content, string name = Name) => await _store.WriteAsync(name, new MemoryStream(content));

    private static async Task<byte[]> ReadAllAsync(Stream stream, int bufferSize)
    {
        using var copy = new MemoryStream();
        var buffer = new byte[bufferSize];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            copy.Write(buffer, 0, read);
        }

        return copy.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Chunk - 1)]
    [InlineData(Chunk)]
    [InlineData(Chunk + 1)]
    [InlineData(2 * Chunk)]
    [InlineData(5_000_000)]
    public async Task A_file_reads_back_as_written_with_its_plaintext_length_and_hash(int length)
    {
        var content = RandomBytes(length);

        var stored = await WriteAsync(content);

        stored.Name.ShouldBe(Name);
        stored.Length.ShouldBe(length);
        stored.Sha256Hex.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(content)));
        await using var read = _store.OpenRead(Name, stored.WrappedKey);
        (await ReadAllAsync(read, 8192)).ShouldBe(content);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Chunk)]
    [InlineData(2 * Chunk + 5)]
    public async Task The_file_on_disk_is_a_header_then_one_sealed_chunk_per_64_KiB(int length)
    {
        await WriteAsync(RandomBytes(length));

        var chunks = Math.Max(1, (length + Chunk - 1) / Chunk);
        new FileInfo(PathOf(Name)).Length.ShouldBe(Header + length + (chunks * Tag));
        File.ReadAllBytes(PathOf(Name))[..4].ShouldBe("PSLF"u8.ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    [InlineData(Chunk + 3)]
    [InlineData(1_000_000)]
    public async Task Any_buffer_size_reads_the_same_bytes_synchronously_or_not(int bufferSize)
    {
        var content = RandomBytes((3 * Chunk) + 123);
        var stored = await WriteAsync(content);

        await using (var asynchronous = _store.OpenRead(Name, stored.WrappedKey))
        {
            (await ReadAllAsync(asynchronous, bufferSize)).ShouldBe(content);
        }

        using var synchronous = _store.OpenRead(Name, stored.WrappedKey);
        using var copy = new MemoryStream();
        var buffer = new byte[bufferSize];
        int read;
        while ((read = synchronous.Read(buffer, 0, buffer.Length)) > 0)
        {
            copy.Write(buffer, 0, read);
        }

        copy.ToArray().ShouldBe(content);
    }

    [Fact]
    public async Task HttpClient_stream_content_sends_the_plaintext()
    {
        var content = RandomBytes((2 * Chunk) + 10);
        var stored = await WriteAsync(content);

        using var http = new StreamContent(_store.OpenRead(Name, stored.WrappedKey), bufferSize: 1000);

        (await http.ReadAsByteArrayAsync()).ShouldBe(content);
    }

    [Fact]
    public async Task The_stream_is_read_only_and_forward_only()
    {
        var stored = await WriteAsync(RandomBytes(10));
        await using var stream = _store.OpenRead(Name, stored.WrappedKey);

        stream.CanRead.ShouldBeTrue();
        stream.CanSeek.ShouldBeFalse();
        stream.CanWrite.ShouldBeFalse();
        Should.Throw<NotSupportedException>(() => stream.Write([1], 0, 1));
        Should.Throw<NotSupportedException>(() => stream.Seek(0, SeekOrigin.Begin));
    }

    [Fact]
    public async Task The_file_on_disk_does_not_contain_the_plaintext()
    {
        var phrase = "Marie Dupont, marie.dupont@example.com, née le 12 mars 1990";
        var content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(phrase + "\n", 5000)));

        await WriteAsync(content);

        var onDisk = await File.ReadAllBytesAsync(PathOf(Name));
        onDisk.AsSpan().IndexOf(Encoding.UTF8.GetBytes("Marie Dupont")).ShouldBe(-1);
        onDisk.AsSpan().IndexOf(Encoding.UTF8.GetBytes("example.com")).ShouldBe(-1);
    }

    [Fact]
    public async Task Writing_the_same_content_twice_gives_different_keys_and_different_bytes()
    {
        var content = RandomBytes(1000);
        var first = await WriteAsync(content, "aa-first");
        var second = await WriteAsync(content, "aa-second");

        first.WrappedKey.ShouldNotBe(second.WrappedKey);
        File.ReadAllBytes(PathOf("aa-first")).ShouldNotBe(File.ReadAllBytes(PathOf("aa-second")));
    }

    [Theory]
    [InlineData(Header + 10)]
    [InlineData(Header + Chunk + Tag + 10)]
    [InlineData(Header + (2 * (Chunk + Tag)) + 5)]
    [InlineData(4)]
    [InlineData(12)]
    public async Task Changing_any_byte_is_detected(int offset)
    {
        var content = RandomBytes((2 * Chunk) + 100);
        var stored = await WriteAsync(content);
        var bytes = await File.ReadAllBytesAsync(PathOf(Name));
        bytes[offset] ^= 0x01;
        await File.WriteAllBytesAsync(PathOf(Name), bytes);

        var error = await Should.ThrowAsync<StoredFileUnavailableException>(async () =>
        {
            await using var stream = _store.OpenRead(Name, stored.WrappedKey);
            await ReadAllAsync(stream, 4096);
        });

        error.Message.ShouldContain(Name);
    }

    [Fact]
    public async Task Damage_past_the_first_chunk_fails_the_read_that_reaches_it_not_the_open()
    {
        var stored = await WriteAsync(RandomBytes(3 * Chunk));
        var bytes = await File.ReadAllBytesAsync(PathOf(Name));
        bytes[Header + (2 * (Chunk + Tag)) + 1] ^= 0xFF;
        await File.WriteAllBytesAsync(PathOf(Name), bytes);

        await using var stream = _store.OpenRead(Name, stored.WrappedKey);
        var buffer = new byte[Chunk];
        (await stream.ReadAsync(buffer)).ShouldBe(Chunk);
        (await stream.ReadAsync(buffer)).ShouldBe(Chunk);
        (await Should.ThrowAsync<StoredFileUnavailableException>(async () => await stream.ReadExactlyAsync(buffer))).Message.ShouldContain("chunk 2");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(Tag)]
    [InlineData(100 + Tag)]
    public async Task Cutting_bytes_off_the_end_is_detected(int cut)
    {
        var stored = await WriteAsync(RandomBytes((2 * Chunk) + 100));
        await using (var file = new FileStream(PathOf(Name), FileMode.Open))
        {
            file.SetLength(file.Length - cut);
        }

        await Should.ThrowAsync<StoredFileUnavailableException>(async () =>
        {
            await using var stream = _store.OpenRead(Name, stored.WrappedKey);
            await ReadAllAsync(stream, 4096);
        });
    }

    [Fact]
    public async Task Dropping_the_last_chunk_on_a_chunk_boundary_is_detected()
    {
        // Two full chunks: without the last one, what remains is a whole file's worth of valid chunks, except that
        // the first was sealed as "more follows".
        var stored = await WriteAsync(RandomBytes(2 * Chunk));
        await using (var file = new FileStream(PathOf(Name), FileMode.Open))
        {
            file.SetLength(Header + Chunk + Tag);
        }

        (await Should.ThrowAsync<StoredFileUnavailableException>(async () =>
        {
            await using var stream = _store.OpenRead(Name, stored.WrappedKey);
            await ReadAllAsync(stream, 4096);
        })).Message.ShouldContain("chunk 0");
    }

    [Fact]
    public async Task Swapping_two_chunks_is_detected()
    {
        var stored = await WriteAsync(RandomBytes((2 * Chunk) + 100));
        var bytes = await File.ReadAllBytesAsync(PathOf(Name));
        var first = bytes.AsSpan(Header, Chunk + Tag).ToArray();
        bytes.AsSpan(Header + Chunk + Tag, Chunk + Tag).CopyTo(bytes.AsSpan(Header));
        first.CopyTo(bytes, Header + Chunk + Tag);
        await File.WriteAllBytesAsync(PathOf(Name), bytes);

        Should.Throw<StoredFileUnavailableException>(() => _store.OpenRead(Name, stored.WrappedKey));
    }

    [Fact]
    public async Task Appending_a_chunk_is_detected()
    {
        var stored = await WriteAsync(RandomBytes(Chunk));
        var bytes = await File.ReadAllBytesAsync(PathOf(Name));
        await File.WriteAllBytesAsync(PathOf(Name), [.. bytes, .. bytes.AsSpan(Header)]);

        Should.Throw<StoredFileUnavailableException>(() => _store.OpenRead(Name, stored.WrappedKey));
    }

    [Fact]
    public async Task Another_files_key_does_not_open_a_file()
    {
        await WriteAsync(RandomBytes(100), "aa-one");
        var other = await WriteAsync(RandomBytes(100), "aa-two");

        Should.Throw<StoredFileUnavailableException>(() => _store.OpenRead("aa-one", other.WrappedKey)).Message.ShouldContain("integrity");
    }

    [Fact]
    public async Task Without_its_key_ring_a_file_cannot_be_read_and_the_error_says_why()
    {
        var stored = await WriteAsync(Encoding.UTF8.GetBytes("Marie Dupont"));
        var elsewhere = new EncryptedFileStore(_root.FullName, new EphemeralDataProtectionProvider(), _time);

        var error = Should.Throw<StoredFileUnavailableException>(() => elsewhere.OpenRead(Name, stored.WrappedKey));

        error.Message.ShouldContain(Name);
        error.Message.ShouldContain("key ring");
        error.Message.ShouldContain("Restore the key ring from its backup");
        error.Message.ShouldNotContain("Marie");
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a key!")]
    [InlineData("AAAA")]
    public async Task A_damaged_wrapped_key_is_refused_the_same_way(string wrappedKey)
    {
        await WriteAsync(RandomBytes(10));

        Should.Throw<StoredFileUnavailableException>(() => _store.OpenRead(Name, wrappedKey)).Message.ShouldContain("cannot be unwrapped");
    }

    [Fact]
    public async Task A_missing_file_is_reported_by_name()
    {
        var stored = await WriteAsync(RandomBytes(10));
        _store.Delete(Name).ShouldBeTrue();

        Should.Throw<StoredFileUnavailableException>(() => _store.OpenRead(Name, stored.WrappedKey)).Message.ShouldContain($"{Name} does not exist");
        Should.Throw<StoredFileUnavailableException>(() => _store.OpenRead("zz-never-written", stored.WrappedKey));
    }

    [Fact]
    public async Task Delete_is_idempotent()
    {
        await WriteAsync(RandomBytes(10));

        _store.Delete(Name).ShouldBeTrue();
        _store.Delete(Name).ShouldBeFalse();
        _store.Delete("qq-in-a-folder-that-does-not-exist").ShouldBeFalse();
        File.Exists(PathOf(Name)).ShouldBeFalse();
    }

    [Fact]
    public async Task Writing_again_under_a_name_replaces_the_file_and_only_the_new_key_reads_it()
    {
        var first = await WriteAsync(RandomBytes(100));
        var content = RandomBytes(200);
        var second = await WriteAsync(content);

        await using (var stream = _store.OpenRead(Name, second.WrappedKey))
        {
            (await ReadAllAsync(stream, 4096)).ShouldBe(content);
        }

        Should.Throw<StoredFileUnavailableException>(() => _store.OpenRead(Name, first.WrappedKey));
    }

    [Fact]
    public async Task Files_go_in_a_folder_named_by_the_first_two_characters_and_no_temporary_file_stays()
    {
        await WriteAsync(RandomBytes(10));

        File.Exists(Path.Combine(_root.FullName, "0f", Name)).ShouldBeTrue();
        Directory.GetFiles(_root.FullName, "*", SearchOption.AllDirectories).ShouldBe([PathOf(Name)]);
    }

    [Fact]
    public async Task A_write_that_fails_midway_leaves_nothing_behind()
    {
        var failing = new FailingStream(RandomBytes(3 * Chunk), failAfter: (2 * Chunk) + 7);

        await Should.ThrowAsync<IOException>(() => _store.WriteAsync(Name, failing));

        Directory.GetFiles(_root.FullName, "*", SearchOption.AllDirectories).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_cancelled_write_leaves_nothing_behind()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => _store.WriteAsync(Name, new MemoryStream(RandomBytes(Chunk * 2)), cancellation.Token));

        Directory.GetFiles(_root.FullName, "*", SearchOption.AllDirectories).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("a")]
    [InlineData("../escape")]
    [InlineData("aa/bb")]
    [InlineData("aa.bb")]
    [InlineData("aa bb")]
    [InlineData("candidature-\u00E9")]
    public async Task Names_are_letters_digits_and_dashes_only(string name)
    {
        await Should.ThrowAsync<ArgumentException>(() => _store.WriteAsync(name, new MemoryStream([1])));
        Should.Throw<ArgumentException>(() => _store.OpenRead(name, "key"));
        Should.Throw<ArgumentException>(() => _store.Delete(name));
    }

    [Fact]
    public async Task List_shows_stored_files_with_their_write_time_and_not_temporary_ones()
    {
        await WriteAsync(RandomBytes(10), "aa-one");
        await WriteAsync(RandomBytes(10), "bb-two");
        await File.WriteAllBytesAsync(Path.Combine(_root.FullName, "aa", "aa-three.0123456789abcdef0123456789abcdef.tmp"), [1]);
        var written = new DateTime(2026, 4, 1, 8, 30, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(PathOf("aa-one"), written);

        var listed = _store.List().OrderBy(f => f.Name, StringComparer.Ordinal).ToList();

        listed.Select(f => f.Name).ShouldBe(["aa-one", "bb-two"]);
        listed[0].LastWriteUtc.ShouldBe(new DateTimeOffset(written));
    }

    [Fact]
    public void An_empty_store_lists_nothing_even_before_its_directory_exists()
    {
        var store = new EncryptedFileStore(Path.Combine(_root.FullName, "not-yet"), _dataProtection, _time);

        store.List().ShouldBeEmpty();
        store.DeleteStaleTemporaryFiles(TimeSpan.FromHours(1)).ShouldBe(0);
    }

    [Fact]
    public async Task Only_temporary_files_older_than_the_given_age_are_swept()
    {
        await WriteAsync(RandomBytes(10));
        var stale = Path.Combine(_root.FullName, "0f", $"{Name}.11111111111111111111111111111111.tmp");
        var fresh = Path.Combine(_root.FullName, "0f", $"{Name}.22222222222222222222222222222222.tmp");
        await File.WriteAllBytesAsync(stale, [1]);
        await File.WriteAllBytesAsync(fresh, [1]);
        File.SetLastWriteTimeUtc(stale, _time.GetUtcNow().UtcDateTime.AddHours(-2));
        File.SetLastWriteTimeUtc(fresh, _time.GetUtcNow().UtcDateTime.AddMinutes(-10));
        File.SetLastWriteTimeUtc(PathOf(Name), _time.GetUtcNow().UtcDateTime.AddDays(-30));

        _store.DeleteStaleTemporaryFiles(TimeSpan.FromHours(1)).ShouldBe(1);

        File.Exists(stale).ShouldBeFalse();
        File.Exists(fresh).ShouldBeTrue();
        File.Exists(PathOf(Name)).ShouldBeTrue("stored files are the sweeper's business, not this one's");
        _time.Advance(TimeSpan.FromHours(1));
        _store.DeleteStaleTemporaryFiles(TimeSpan.FromHours(1)).ShouldBe(1);
        File.Exists(fresh).ShouldBeFalse();
    }

    [Fact]
    public async Task Registered_with_the_secrets_the_store_lives_in_the_data_directory_and_outlives_a_restart()
    {
        var content = RandomBytes(1000);
        var settings = new Dictionary<string, string?> { ["Passerelle:DataDirectory"] = _root.FullName };

        var first = Services(settings).GetRequiredService<EncryptedFileStore>();
        first.RootDirectory.ShouldBe(Path.Combine(_root.FullName, "files"));
        var stored = await first.WriteAsync(Name, new MemoryStream(content));

        await using var read = Services(settings).GetRequiredService<EncryptedFileStore>().OpenRead(Name, stored.WrappedKey);
        (await ReadAllAsync(read, 4096)).ShouldBe(content);
    }

    [Fact]
    public void The_file_directory_can_be_set_on_its_own()
    {
        var directory = Path.Combine(_root.FullName, "elsewhere");

        var store = Services(new() { ["Passerelle:DataDirectory"] = _root.FullName, ["Applications:FileDirectory"] = directory })
            .GetRequiredService<EncryptedFileStore>();

        store.RootDirectory.ShouldBe(directory);
    }

    [Fact]
    public void Without_the_secrets_key_ring_resolving_the_store_says_what_is_missing()
    {
        var configuration = new ConfigurationBuilder().Build();
        using var services = new ServiceCollection().AddPasserelleFileStore(configuration).BuildServiceProvider();

        Should.Throw<InvalidOperationException>(() => services.GetRequiredService<EncryptedFileStore>()).Message.ShouldContain("AddPasserelleSecrets");
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddPasserelleSecrets(configuration).AddPasserelleFileStore(configuration).BuildServiceProvider();
    }

    private sealed class FailingStream(byte[] content, int failAfter) : MemoryStream(content)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position + buffer.Length > failAfter)
            {
                throw new IOException("The client went away.");
            }

            return base.ReadAsync(buffer, cancellationToken);
        }
    }
}
