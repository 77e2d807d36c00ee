namespace DittoFs.Storage.S3.Buffering;

/// <summary>
/// The parts of a block that writes have filled, as sorted, disjoint, non-touching [start, end) ranges. A block
/// written only in parts is uploaded without fetching its remote object when the parts cover it, and otherwise
/// merged with that object under exactly these ranges. Sequential writes keep one range.
/// </summary>
internal sealed class ByteRanges
{
    private readonly List<(int Start, int End)> _ranges = [];

    public int Count => _ranges.Count;

    public void Add(int start, int end)
    {
        if (start >= end)
        {
            return;
        }
        int first = 0;
        while (first < _ranges.Count && _ranges[first].End < start)
        {
            first++;
        }
        int last = first;
        while (last < _ranges.Count && _ranges[last].Start <= end)
        {
            start = Math.Min(start, _ranges[last].Start);
            end = Math.Max(end, _ranges[last].End);
            last++;
        }
        _ranges.RemoveRange(first, last - first);
        _ranges.Insert(first, (start, end));
    }

    /// <summary>True when every byte of [start, end) was written; an empty span is covered.</summary>
    public bool Covers(int start, int end)
    {
        if (start >= end)
        {
            return true;
        }
        foreach (var range in _ranges)
        {
            if (range.Start <= start)
            {
                if (range.End >= end)
                {
                    return true;
                }
            }
            else
            {
                break;
            }
        }
        return false;
    }

    /// <summary>Forgets everything written at or past <paramref name="end"/> (a truncation inside the block).</summary>
    public void ClipTo(int end)
    {
        for (int i = _ranges.Count - 1; i >= 0; i--)
        {
            var range = _ranges[i];
            if (range.Start >= end)
            {
                _ranges.RemoveAt(i);
            }
            else
            {
                if (range.End > end)
                {
                    _ranges[i] = (range.Start, end);
                }
                break;
            }
        }
    }

    /// <summary>Copies the bytes of <paramref name="source"/> that no range covers into <paramref name="target"/> at the same positions.</summary>
    public void CopyIntoGaps(ReadOnlySpan<byte> source, Span<byte> target)
    {
        int position = 0;
        foreach (var range in _ranges)
        {
            if (range.Start >= source.Length)
            {
                break;
            }
            source[position..range.Start].CopyTo(target[position..]);
            position = range.End;
        }
        if (position < source.Length)
        {
            source[position..].CopyTo(target[position..]);
        }
    }

    public void Clear() => _ranges.Clear();
}
