using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SobolevRL.Envs.MinAtar.Games;

/// <summary>
/// A 10×10 boolean grid packed into the low 100 bits of a <see cref="UInt128"/>, bit <c>10·row + col</c>, so whole-grid
/// shifts, intersections and counts are a few integer operations.
/// </summary>
internal static class GridBits
{
    public const int Size = 10;
    public const int Cells = Size * Size;

    public static readonly UInt128 All = (UInt128.One << Cells) - 1;

    /// <summary>For each byte value, the 8 bytes 0/1 of its bits (bit j at byte j in memory), to expand 8 cells per write.</summary>
    private static readonly ulong[] ByteToCells = BuildByteToCells();

    public static UInt128 Cell(int row, int col) => UInt128.One << (row * Size + col);

    public static UInt128 Row(int row) => (UInt128)0x3FF << (row * Size);

    public static UInt128 Column(int col)
    {
        UInt128 mask = UInt128.Zero;
        for (int row = 0; row < Size; row++) mask |= Cell(row, col);
        return mask;
    }

    /// <summary>Cells of rows <paramref name="rowStart"/>..<paramref name="rowEnd"/>-1 and columns <paramref name="colStart"/>..<paramref name="colEnd"/>-1.</summary>
    public static UInt128 Block(int rowStart, int rowEnd, int colStart, int colEnd)
    {
        UInt128 mask = UInt128.Zero;
        for (int row = rowStart; row < rowEnd; row++)
            for (int col = colStart; col < colEnd; col++) mask |= Cell(row, col);
        return mask;
    }

    /// <summary>Writes the grid as 100 bytes 0/1 (row-major) into <paramref name="destination"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write(UInt128 grid, Span<byte> destination)
    {
        ref byte start = ref MemoryMarshal.GetReference(destination[..Cells]);
        ulong low = (ulong)grid, high = (ulong)(grid >> 64);
        for (int k = 0; k < 8; k++)
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref start, 8 * k), ByteToCells[(byte)(low >> (8 * k))]);
        for (int k = 0; k < 4; k++)
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref start, 64 + 8 * k), ByteToCells[(byte)(high >> (8 * k))]);
        for (int cell = 96; cell < Cells; cell++)
            Unsafe.Add(ref start, cell) = (byte)((high >> (cell - 64)) & 1);
    }

    private static ulong[] BuildByteToCells()
    {
        var table = new ulong[256];
        Span<byte> cells = stackalloc byte[8];
        for (int value = 0; value < 256; value++)
        {
            for (int bit = 0; bit < 8; bit++) cells[bit] = (byte)((value >> bit) & 1);
            table[value] = MemoryMarshal.Read<ulong>(cells);
        }
        return table;
    }
}
