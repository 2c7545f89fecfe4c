using System.Buffers;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Campus.Storage;

/// <summary>
/// A write-only stream into one S3 object through a multipart upload the service writes itself (worker output of
/// unknown length: reports). Bytes are buffered into parts of <see cref="PartSize"/> and each full part is uploaded with
/// <c>UploadPart</c> while writing goes on, so memory stays at about one part whatever the object's size.
/// <para>
/// Nothing appears at the key until <see cref="CompleteAsync"/>: call it explicitly after the writer has finished (a
/// writer that does not close its stream would otherwise leave an unfinished upload). Disposing a stream that was not
/// completed aborts the upload (its parts are discarded), as does <see cref="AbortAsync"/>; the caller records
/// <see cref="UploadId"/> before writing so that an upload left by a killed process can still be aborted later
/// (<see cref="IObjectStorage.AbortUploadAsync"/>).
/// </para>
/// </summary>
public sealed class ObjectUploadStream : Stream
{
    /// <summary>S3's smallest part (all but the last): 5 MiB.</summary>
    public const int MinPartSize = 5 * 1024 * 1024;

    private readonly IAmazonS3 _client;
    private readonly string _bucket;
    private readonly List<PartETag> _parts = [];
    private byte[]? _buffer;
    private int _filled;
    private long _written;
    private bool _finished;

    internal ObjectUploadStream(IAmazonS3 client, string bucket, string key, string uploadId, int partSize)
    {
        _client = client;
        _bucket = bucket;
        Key = key;
        UploadId = uploadId;
        PartSize = partSize;
        _buffer = ArrayPool<byte>.Shared.Rent(partSize);
    }

    /// <summary>The object's key.</summary>
    public string Key { get; }

    /// <summary>The multipart upload's id (to abort it from elsewhere if this process dies).</summary>
    public string UploadId { get; }

    /// <summary>Bytes per part (the last one may be shorter).</summary>
    public int PartSize { get; }

    /// <summary>Parts uploaded so far.</summary>
    public int PartsUploaded => _parts.Count;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_finished;
    public override long Length => _written;

    public override long Position
    {
        get => _written;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        // Synchronous writers (rare: PDF libraries) block on the part uploads.
        while (!buffer.IsEmpty)
        {
            var taken = Fill(buffer);
            buffer = buffer[taken..];
            if (_filled == PartSize)
            {
                UploadPartAsync(CancellationToken.None).GetAwaiter().GetResult();
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            var taken = Fill(buffer.Span);
            buffer = buffer[taken..];
            if (_filled == PartSize)
            {
                await UploadPartAsync(cancellationToken);
            }
        }
    }

    /// <summary>Nothing to do: parts are uploaded when full, the rest by <see cref="CompleteAsync"/>.</summary>
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Uploads what is buffered as the last part and assembles the object. Returns its size in bytes.</summary>
    public async Task<long> CompleteAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        if (_filled > 0 || _parts.Count == 0)
        {
            await UploadPartAsync(cancellationToken);
        }
        await _client.CompleteMultipartUploadAsync(
            new CompleteMultipartUploadRequest { BucketName = _bucket, Key = Key, UploadId = UploadId, PartETags = [.. _parts] },
            cancellationToken);
        Finish();
        return _written;
    }

    /// <summary>Discards the upload and its parts (nothing appears at the key). Safe to call more than once.</summary>
    public async Task AbortAsync(CancellationToken cancellationToken = default)
    {
        if (_finished)
        {
            return;
        }
        Finish();
        await ObjectStorage.AbortUploadAsync(_client, _bucket, Key, UploadId, cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_finished)
        {
            try
            {
                await AbortAsync();
            }
            catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or HttpRequestException or IOException)
            {
                // Best effort: the bucket's lifecycle rule aborts unfinished uploads after a day.
            }
        }
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_finished)
        {
            try
            {
                AbortAsync().GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or HttpRequestException or IOException)
            {
                // Best effort, as in DisposeAsync.
            }
        }
        base.Dispose(disposing);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    private int Fill(ReadOnlySpan<byte> source)
    {
        ObjectDisposedException.ThrowIf(_finished || _buffer is null, this);
        var taken = Math.Min(source.Length, PartSize - _filled);
        source[..taken].CopyTo(_buffer.AsSpan(_filled));
        _filled += taken;
        _written += taken;
        return taken;
    }

    private async Task UploadPartAsync(CancellationToken cancellationToken)
    {
        var number = _parts.Count + 1;
        using var content = new MemoryStream(_buffer!, 0, _filled, writable: false);
        var response = await _client.UploadPartAsync(
            new UploadPartRequest
            {
                BucketName = _bucket,
                Key = Key,
                UploadId = UploadId,
                PartNumber = number,
                InputStream = content,
                PartSize = _filled,
                // As for PutObject: no aws-chunked framing, which s3rver would store verbatim.
                UseChunkEncoding = false,
            },
            cancellationToken);
        _parts.Add(new PartETag(number, response.ETag));
        _filled = 0;
    }

    private void Finish()
    {
        _finished = true;
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}
