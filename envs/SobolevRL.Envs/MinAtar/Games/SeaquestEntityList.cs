namespace SobolevRL.Envs.MinAtar.Games;

/// <summary>
/// An ordered list of <see cref="SeaquestEntity"/> with the semantics the reference relies on: appends at the end,
/// removal of the first element equal by value (Python's <c>list.remove</c>), and a backing array that is reused
/// across steps and episodes (it grows only if a new maximum size is ever reached).
/// </summary>
internal sealed class SeaquestEntityList(int initialCapacity)
{
    private SeaquestEntity[] _items = new SeaquestEntity[initialCapacity];

    public int Count { get; private set; }

    public ref SeaquestEntity this[int index] => ref _items[index];

    public void Clear() => Count = 0;

    public void Add(in SeaquestEntity entity)
    {
        if (Count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        _items[Count++] = entity;
    }

    public void RemoveAt(int index)
    {
        Count--;
        if (index < Count) Array.Copy(_items, index + 1, _items, index, Count - index);
    }

    /// <summary>Removes the first element equal to <paramref name="entity"/> and returns its index (-1 if none).</summary>
    public int RemoveFirstEqual(in SeaquestEntity entity)
    {
        for (int i = 0; i < Count; i++)
        {
            if (!_items[i].Equals(entity)) continue;
            RemoveAt(i);
            return i;
        }
        return -1;
    }

    /// <summary>Index of the first element at cell (<paramref name="x"/>, <paramref name="y"/>), or -1.</summary>
    public int IndexAt(int x, int y)
    {
        for (int i = 0; i < Count; i++)
            if (_items[i].IsAt(x, y)) return i;
        return -1;
    }
}
