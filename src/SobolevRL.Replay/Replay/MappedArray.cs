using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;
using SobolevRL.IO;

namespace SobolevRL.Replay;

/// <summary>
/// A read-only memory-mapped <c>.npy</c> array: rows are read through the map, or copied with <c>pread</c>
/// (<see cref="ReadRow"/>), never loaded whole.
/// </summary>
public sealed unsafe class MappedArray : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly byte* _data;
    private readonly SafeFileHandle _handle;
    private readonly string _path;

    /// <summary>Maps <paramref name="path"/>; throws <see cref="UserErrorException"/> for a malformed file.</summary>
    public MappedArray(string path)
    {
        Header = NpyFile.ReadHeader(path, out long dataOffset);
        DataOffset = dataOffset;
        long length = new FileInfo(path).Length;
        _path = path;
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p;
        _data = p + _view.PointerOffset + dataOffset;
        MappedBytes = length + _view.PointerOffset;
        Rows = Header.Shape.Length == 0 ? 1 : Header.Shape[0];
        RowBytes = Rows == 0 ? 0 : Header.DataBytes / Rows;
    }

    /// <summary>The .npy header.</summary>
    public NpyHeader Header { get; }

    /// <summary>Byte offset of the data in the file.</summary>
    public long DataOffset { get; }

    /// <summary>Number of rows (first dimension).</summary>
    public long Rows { get; }

    /// <summary>Bytes of one row.</summary>
    public long RowBytes { get; }

    /// <summary>Bytes of the mapping.</summary>
    public long MappedBytes { get; }

    /// <summary>The bytes of row <paramref name="row"/>.</summary>
    public ReadOnlySpan<byte> Row(long row) => new(_data + row * RowBytes, checked((int)RowBytes));

    /// <summary>
    /// Copies row <paramref name="row"/> into <paramref name="dest"/> with <c>pread</c> (thread-safe): unlike reading
    /// through the map it costs no page faults and adds nothing to the resident set, which matters for large rows
    /// sampled at random from a dataset bigger than the resident window.
    /// </summary>
    public void ReadRow(long row, Span<byte> dest)
    {
        dest = dest[..checked((int)RowBytes)];
        long offset = DataOffset + row * RowBytes;
        while (!dest.IsEmpty)
        {
            int n = RandomAccess.Read(_handle, dest, offset);
            if (n <= 0) throw new IOException($"{_path} ends at byte {offset}, inside row {row}: the file was truncated after it was opened");
            dest = dest[n..];
            offset += n;
        }
    }

    /// <summary>Rows [<paramref name="start"/>, start + <paramref name="count"/>).</summary>
    public ReadOnlySpan<byte> RowRange(long start, int count) => new(_data + start * RowBytes, checked((int)(count * RowBytes)));

    /// <summary>Element <paramref name="row"/> of a one-dimensional array of <typeparamref name="T"/>.</summary>
    public T Get<T>(long row) where T : unmanaged => ((T*)_data)[row];

    /// <summary>Lets the kernel drop this mapping's pages from the process's resident set (they stay in the page cache).</summary>
    public void ReleaseResidentPages()
    {
        if (OperatingSystem.IsLinux()) PosixFiles.madvise((IntPtr)_base, (UIntPtr)MappedBytes, PosixFiles.MadvDontNeed);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
        _handle.Dispose();
    }
}
