namespace DittoFs.Xdr;

/// <summary>
/// An XDR array or self-linked list (RFC 4506 §4.12-4.13, and the optional-data lists of §4.19 such as
/// READDIR entries). Built by code it wraps an array; decoded it keeps the encoded bytes as a slice of the
/// message and decodes elements while it is enumerated, so decoding a list allocates nothing. The decoder
/// checks every element once up front, so enumeration cannot fail.
/// </summary>
public readonly struct XdrList<T, TCodec> where TCodec : IXdrCodec<T>
{
    private readonly T[]? _items;
    private readonly ReadOnlyMemory<byte> _encoded;
    private readonly bool _encodedLinked;

    /// <summary>A list over the first <paramref name="count"/> items of <paramref name="items"/> (pooled arrays welcome).</summary>
    public XdrList(T[] items, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, items.Length);
        _items = items;
        Count = count;
    }

    public XdrList(T[] items) : this(items, items.Length) { }

    private XdrList(ReadOnlyMemory<byte> encoded, int count, bool linked)
    {
        _encoded = encoded;
        Count = count;
        _encodedLinked = linked;
    }

    public int Count { get; }

    public static implicit operator XdrList<T, TCodec>(T[] items) => new(items);

    public Enumerator GetEnumerator() => new(this);

    public T[] ToArray()
    {
        var result = new T[Count];
        int i = 0;
        foreach (var item in this)
            result[i++] = item;
        return result;
    }

    /// <summary>Variable-length array: a count of at most <paramref name="maxCount"/>, then the elements.</summary>
    public static XdrList<T, TCodec> ReadCounted(ref XdrReader reader, uint maxCount)
    {
        int count = reader.ReadArrayCount(maxCount);
        return ReadElements(ref reader, count);
    }

    /// <summary>Fixed-length array: exactly <paramref name="count"/> elements, no count on the wire.</summary>
    public static XdrList<T, TCodec> ReadFixed(ref XdrReader reader, int count) => ReadElements(ref reader, count);

    private static XdrList<T, TCodec> ReadElements(ref XdrReader reader, int count)
    {
        int start = reader.Position;
        for (int i = 0; i < count && !reader.HasError; i++)
            TCodec.Read(ref reader);
        return reader.HasError ? default : new XdrList<T, TCodec>(reader.SliceFrom(start), count, linked: false);
    }

    /// <summary>Self-linked list: each element preceded by TRUE, the end marked by FALSE.</summary>
    public static XdrList<T, TCodec> ReadLinked(ref XdrReader reader)
    {
        int start = reader.Position;
        int count = 0;
        while (reader.ReadBool())
        {
            TCodec.Read(ref reader);
            count++;
        }
        return reader.HasError ? default : new XdrList<T, TCodec>(reader.SliceFrom(start), count, linked: true);
    }

    public void WriteCounted(ref XdrWriter writer, uint maxCount)
    {
        if ((uint)Count > maxCount)
            throw new ArgumentException($"Array of {Count} elements exceeds its bound {maxCount}.");
        writer.WriteUInt32((uint)Count);
        WriteElements(ref writer);
    }

    public void WriteFixed(ref XdrWriter writer, int count)
    {
        if (Count != count)
            throw new ArgumentException($"Fixed-length array needs {count} elements, got {Count}.");
        WriteElements(ref writer);
    }

    private void WriteElements(ref XdrWriter writer)
    {
        if (_items is null && !_encodedLinked)
        {
            writer.WriteEncoded(_encoded.Span);
            return;
        }
        // Built from items, or decoded from a self-linked list whose bytes carry link words an array has not.
        foreach (var item in this)
            TCodec.Write(ref writer, in item);
    }

    public void WriteLinked(ref XdrWriter writer)
    {
        if (_items is null && _encodedLinked)
        {
            writer.WriteEncoded(_encoded.Span);
            return;
        }
        foreach (var item in this)
        {
            writer.WriteBool(true);
            TCodec.Write(ref writer, in item);
        }
        writer.WriteBool(false);
    }

    public int SizeCounted() => 4 + SizeOfElements();

    public int SizeFixed() => SizeOfElements();

    public int SizeLinked()
    {
        if (_items is null && _encodedLinked)
            return _encoded.Length;
        return 4 * Count + SizeOfElements() + 4;
    }

    private int SizeOfElements()
    {
        if (_items is null)
        {
            if (!_encodedLinked)
                return _encoded.Length;
            return _encoded.Length - 4 * Count - 4;
        }
        int size = 0;
        for (int i = 0; i < Count; i++)
            size += TCodec.SizeOf(in _items[i]);
        return size;
    }

    public ref struct Enumerator
    {
        private readonly T[]? _items;
        private readonly int _count;
        private readonly bool _linked;
        private XdrReader _reader;
        private int _index;
        private T _current;

        internal Enumerator(XdrList<T, TCodec> list)
        {
            _items = list._items;
            _count = list.Count;
            _linked = list._encodedLinked;
            _reader = new XdrReader(list._encoded);
            _index = -1;
            _current = default!;
        }

        public readonly T Current => _current;

        public bool MoveNext()
        {
            if (++_index >= _count)
                return false;
            if (_items is not null)
            {
                _current = _items[_index];
                return true;
            }
            if (_linked)
                _reader.ReadBool();
            _current = TCodec.Read(ref _reader);
            return true;
        }
    }
}
