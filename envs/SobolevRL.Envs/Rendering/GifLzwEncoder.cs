namespace SobolevRL.Envs.Rendering;

/// <summary>
/// The variable-length LZW coding of GIF image data (GIF89a specification, appendix F): codes start one bit wider
/// than the minimum code size, grow to at most 12 bits, and a clear code restarts the table when it is full. Output
/// is packed least-significant bit first into data sub-blocks of at most 255 bytes.
/// </summary>
internal sealed class GifLzwEncoder
{
    private const int MaxCodeBits = 12;
    private const int MaxCodes = 1 << MaxCodeBits;
    private const int TableSize = 1 << 13; // open addressing, load ≤ 1/2

    private readonly int[] _keys = new int[TableSize];   // (prefix << 8 | pixel) + 1; 0 marks an empty slot
    private readonly short[] _codes = new short[TableSize];
    private readonly byte[] _block = new byte[255];
    private Stream _out = Stream.Null;
    private int _blockLength;
    private ulong _bits;
    private int _bitCount;
    private int _codeBits;
    private int _codesSinceClear;
    private int _firstCode;

    /// <summary>Writes the minimum code size byte, the coded <paramref name="pixels"/> in sub-blocks, and the block terminator.</summary>
    public void Encode(Stream output, ReadOnlySpan<byte> pixels, int minCodeSize)
    {
        _out = output;
        _blockLength = 0;
        _bits = 0;
        _bitCount = 0;
        int clear = 1 << minCodeSize, endOfInformation = clear + 1;
        _firstCode = clear + 2;
        output.WriteByte((byte)minCodeSize);

        StartTable(minCodeSize);
        WriteCode(clear, counts: false);
        int next = _firstCode;
        int prefix = pixels[0];
        for (int i = 1; i < pixels.Length; i++)
        {
            int pixel = pixels[i];
            int key = (prefix << 8 | pixel) + 1;
            int slot = Find(key);
            if (_keys[slot] == key)
            {
                prefix = _codes[slot];
                continue;
            }
            WriteCode(prefix, counts: true);
            _keys[slot] = key;
            _codes[slot] = (short)next++;
            if (next == MaxCodes)
            {
                WriteCode(clear, counts: false);
                StartTable(minCodeSize);
                next = _firstCode;
            }
            prefix = pixel;
        }
        WriteCode(prefix, counts: true);
        WriteCode(endOfInformation, counts: false);
        FlushBits();
        FlushBlock();
        output.WriteByte(0);
        _out = Stream.Null;
    }

    private void StartTable(int minCodeSize)
    {
        Array.Clear(_keys);
        _codeBits = minCodeSize + 1;
        _codesSinceClear = 0;
    }

    private int Find(int key)
    {
        int slot = (int)((uint)key * 2654435761u >> 19);
        while (_keys[slot] != 0 && _keys[slot] != key) slot = (slot + 1) & (TableSize - 1);
        return slot;
    }

    // A decoder adds one table entry per code it reads after a clear, and widens its codes once its next free code
    // passes 2^bits; so the k-th code after a clear (k from 0) is read with the smallest width whose range covers
    // firstCode + k. The encoder mirrors that count rather than its own table size.
    private void WriteCode(int code, bool counts)
    {
        while (_codeBits < MaxCodeBits && _firstCode + _codesSinceClear > 1 << _codeBits) _codeBits++;
        _bits |= (ulong)code << _bitCount;
        _bitCount += _codeBits;
        while (_bitCount >= 8)
        {
            AppendByte((byte)_bits);
            _bits >>= 8;
            _bitCount -= 8;
        }
        if (counts) _codesSinceClear++;
    }

    private void FlushBits()
    {
        if (_bitCount > 0) AppendByte((byte)_bits);
        _bits = 0;
        _bitCount = 0;
    }

    private void AppendByte(byte value)
    {
        _block[_blockLength++] = value;
        if (_blockLength == _block.Length) FlushBlock();
    }

    private void FlushBlock()
    {
        if (_blockLength == 0) return;
        _out.WriteByte((byte)_blockLength);
        _out.Write(_block, 0, _blockLength);
        _blockLength = 0;
    }
}
