using DittoFs.Protocol;

namespace DittoFs.EndToEnd;

/// <summary>
/// What a client may rely on about one file after a crash or a back-end failure, kept while a workload runs: bytes a
/// FILE_SYNC WRITE or a COMMIT acknowledged must read back exactly; bytes no write ever touched must read as zeros
/// (no stale data); the size lies between the end of the last stable byte and the end of the furthest write sent.
/// A write that failed or never got an answer may or may not have landed: its bytes are in doubt until a later
/// acknowledged write covers them, and a COMMIT does not make doubtful bytes sure.
/// </summary>
internal sealed class FileModel(ulong fileId, NfsFh3 handle)
{
    private byte[] _current = [];
    private byte[] _stable = [];
    private bool[] _sure = [];
    private bool[] _written = [];
    private bool[] _doubt = [];
    private readonly List<(int Offset, int Length)> _uncommitted = [];

    public ulong FileId { get; } = fileId;
    public NfsFh3 Handle { get; } = handle;

    /// <summary>The size is at least this: the end of the furthest acknowledged stable byte.</summary>
    public long StableEnd { get; private set; }

    /// <summary>The size is at most this: the end of the furthest write sent.</summary>
    public long MaxEnd { get; private set; }

    public long SureBytes => _sure.LongCount(b => b);

    /// <summary>A write is about to be sent: until acknowledged (and, if UNSTABLE, committed) its range may hold old or new bytes.</summary>
    public void Sending(int offset, int length)
    {
        Grow(offset + length);
        _sure.AsSpan(offset, length).Clear();
        _written.AsSpan(offset, length).Fill(true);
        _doubt.AsSpan(offset, length).Fill(true);
        MaxEnd = Math.Max(MaxEnd, offset + length);
    }

    public void Acknowledged(int offset, ReadOnlySpan<byte> data, bool stable)
    {
        data.CopyTo(_current.AsSpan(offset));
        _doubt.AsSpan(offset, data.Length).Clear();
        if (stable)
            MakeSure(offset, data.Length);
        else
            _uncommitted.Add((offset, data.Length));
    }

    /// <summary>A COMMIT sent after every write so far was acknowledged: all of them are now stable.</summary>
    public void Committed()
    {
        foreach (var (offset, length) in _uncommitted)
            MakeSure(offset, length);
        _uncommitted.Clear();
    }

    /// <summary>Every way <paramref name="content"/> breaks what was promised, empty when it keeps it.</summary>
    public IEnumerable<string> Violations(byte[] content)
    {
        if (content.Length < StableEnd)
            yield return $"file {FileId}: size {content.Length} is below the acknowledged stable end {StableEnd}";
        if (content.Length > MaxEnd)
            yield return $"file {FileId}: size {content.Length} is beyond every write sent (furthest end {MaxEnd})";
        int lost = 0, stale = 0, first = -1;
        for (int i = 0; i < content.Length && i < _sure.Length; i++)
        {
            if (_sure[i] && content[i] != _stable[i])
            {
                lost++;
                first = first < 0 ? i : first;
            }
            else if (!_written[i] && content[i] != 0)
            {
                stale++;
                first = first < 0 ? i : first;
            }
        }
        if (lost > 0)
            yield return $"file {FileId}: {lost} acknowledged stable bytes differ (first at {first})";
        if (stale > 0)
            yield return $"file {FileId}: {stale} bytes no write touched are not zero (first at {first})";
    }

    private void MakeSure(int offset, int length)
    {
        for (int i = offset; i < offset + length; i++)
        {
            if (!_doubt[i])
            {
                _stable[i] = _current[i];
                _sure[i] = true;
                StableEnd = Math.Max(StableEnd, i + 1);
            }
        }
    }

    private void Grow(int length)
    {
        if (length <= _current.Length)
            return;
        int size = Math.Max(length, _current.Length * 2);
        Array.Resize(ref _current, size);
        Array.Resize(ref _stable, size);
        Array.Resize(ref _sure, size);
        Array.Resize(ref _written, size);
        Array.Resize(ref _doubt, size);
    }
}

/// <summary>
/// One worker's directory as the server acknowledged it (name to file id, directories as id only), and the one
/// call in flight when the server died: after the restart the directory must be the state before that call or
/// the state after it, nothing else (every namespace change is atomic and acknowledged ones are durable).
/// </summary>
internal sealed class DirectoryModel
{
    /// <summary>A file id standing for "a file this call created, id unknown".</summary>
    public const ulong AnyNewId = ulong.MaxValue;

    public Dictionary<string, ulong> Names { get; } = new(StringComparer.Ordinal);
    public Dictionary<ulong, FileModel> Files { get; } = [];

    /// <summary>The names after the call in flight, had it completed; null when no namespace change was in flight.</summary>
    public Dictionary<string, ulong>? NamesIfCompleted { get; set; }

    /// <summary>What the call in flight was, for messages.</summary>
    public string? InFlight { get; set; }

    /// <summary>
    /// Files whose last name a REMOVE or replacing RENAME took, acknowledged or in flight: the server deletes their
    /// content after answering (in the background), so a kill may leave it behind unreachable — listed as released,
    /// for the restarted server to delete. Kept for the whole run.
    /// </summary>
    public HashSet<ulong> MayOrphanContent { get; } = [];

    /// <summary>Files whose content may be longer than their size (a WRITE in flight: bytes landed, size not recorded).</summary>
    public HashSet<ulong> MayExtendContent { get; } = [];

    public Dictionary<string, ulong> After(Action<Dictionary<string, ulong>> change)
    {
        var after = new Dictionary<string, ulong>(Names, StringComparer.Ordinal);
        change(after);
        return after;
    }

    /// <summary>Whether a listing matches the acknowledged state, or the state after the call in flight.</summary>
    public bool Matches(IReadOnlyDictionary<string, ulong> listed) =>
        Same(Names, listed) || NamesIfCompleted is { } after && Same(after, listed);

    private static bool Same(Dictionary<string, ulong> expected, IReadOnlyDictionary<string, ulong> listed) =>
        expected.Count == listed.Count && expected.All(pair => listed.TryGetValue(pair.Key, out ulong id) && (pair.Value == AnyNewId || pair.Value == id));

    public static string Show(IEnumerable<KeyValuePair<string, ulong>> names) =>
        "{" + string.Join(", ", names.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={(p.Value == AnyNewId ? "new" : p.Value)}")) + "}";
}

/// <summary>A client of the crash workload: its directory, the model of it, and how it stopped.</summary>
internal interface ICrashClient
{
    string Name { get; }
    NfsFh3 Directory { get; }
    DirectoryModel Model { get; }
    int Acknowledged { get; }
    Exception? StoppedBy { get; }
    Task RunAsync();
}
