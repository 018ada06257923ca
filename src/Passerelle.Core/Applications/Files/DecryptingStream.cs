using System.Security.Cryptography;

namespace Passerelle.Core.Applications.Files;

/// <summary>
/// The plaintext of an <see cref="EncryptedFileStore"/> file, one authenticated chunk at a time. A chunk is the last
/// when the file ends right after it; a chunk sealed as not-last found at the end (the file was truncated on a chunk
/// boundary) or a last one followed by more (chunks appended) fails authentication like any altered byte.
/// </summary>
internal sealed class DecryptingStream : Stream
{
    private const int SealedChunkSize = EncryptedFileStore.ChunkSize + EncryptedFileStore.TagSize;

    private readonly FileStream _file;
    private readonly byte[] _key;
    private readonly byte[] _header;
    private readonly string _name;
    private readonly AesGcm _aes;
    private readonly byte[] _sealed = new byte[SealedChunkSize];
    private readonly byte[] _plain = new byte[EncryptedFileStore.ChunkSize];
    private int _plainOffset;
    private int _plainLength;
    private uint _index;
    private bool _finished;
    private bool _disposed;

    public DecryptingStream(FileStream file, byte[] key, byte[] header, string name)
    {
        _file = file;
        _key = key;
        _header = header;
        _name = name;
        _aes = new AesGcm(key, EncryptedFileStore.TagSize);
    }

    public override bool CanRead => !_disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public void ReadFirstChunk() => Open(_file.ReadAtLeast(_sealed, _sealed.Length, throwOnEndOfStream: false));

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (_plainOffset == _plainLength)
        {
            if (_finished || buffer.IsEmpty)
            {
                return 0;
            }

            Open(_file.ReadAtLeast(_sealed, _sealed.Length, throwOnEndOfStream: false));
        }

        return Copy(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (_plainOffset == _plainLength)
        {
            if (_finished || buffer.IsEmpty)
            {
                return 0;
            }

            Open(await _file.ReadAtLeastAsync(_sealed, _sealed.Length, throwOnEndOfStream: false, cancellationToken));
        }

        return Copy(buffer.Span);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _file.Dispose();
            _aes.Dispose();
            CryptographicOperations.ZeroMemory(_key);
            CryptographicOperations.ZeroMemory(_plain);
        }

        base.Dispose(disposing);
    }

    private void Open(int read)
    {
        if (read < EncryptedFileStore.TagSize)
        {
            throw EncryptedFileStore.Damaged(_name, $"chunk {_index} is cut short");
        }

        // Only the file's end marks the last chunk; the seal then says whether the writer agreed.
        var final = read < SealedChunkSize || _file.Position == _file.Length;
        try
        {
            EncryptedFileStore.Unseal(_aes, _header, _index, final, _sealed.AsSpan(0, read), _plain);
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw EncryptedFileStore.Damaged(_name, $"chunk {_index} does not authenticate", e);
        }

        _plainOffset = 0;
        _plainLength = read - EncryptedFileStore.TagSize;
        _finished = final;
        _index++;
    }

    private int Copy(Span<byte> buffer)
    {
        var count = Math.Min(buffer.Length, _plainLength - _plainOffset);
        _plain.AsSpan(_plainOffset, count).CopyTo(buffer);
        _plainOffset += count;
        return count;
    }
}
