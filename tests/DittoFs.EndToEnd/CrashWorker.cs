using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.EndToEnd;

/// <summary>
/// One client of the crash workload, on its own connection and in its own directory: a seeded random mix of
/// CREATE, FILE_SYNC and UNSTABLE WRITEs, COMMIT, RENAME (sometimes over an existing file), REMOVE, MKDIR and
/// RMDIR, one call at a time, each reply folded into the <see cref="DirectoryModel"/> before the next call. It runs
/// until the connection dies with the server; the call then in flight stays recorded as in flight.
/// </summary>
internal sealed class CrashWorker(string name, NfsSession session, NfsFh3 directory, Random random) : ICrashClient
{
    private const int MaxOffset = 192 * 1024;
    private const int MaxWrite = 64 * 1024;
    private int _nextName;

    public string Name { get; } = name;
    public NfsFh3 Directory { get; } = directory;
    public DirectoryModel Model { get; } = new();
    public int Acknowledged { get; private set; }

    /// <summary>The write verifier this server instance answered (WRITE and COMMIT must agree on it).</summary>
    public byte[]? Verifier { get; private set; }

    /// <summary>Why the worker stopped: the lost connection, normally.</summary>
    public Exception? StoppedBy { get; private set; }

    public async Task RunAsync()
    {
        try
        {
            while (true)
            {
                await StepAsync();
                Acknowledged++;
            }
        }
        catch (Exception exception) when (exception is IOException or TimeoutException)
        {
            StoppedBy = exception;
        }
    }

    private async Task StepAsync()
    {
        var files = Model.Names.Where(p => Model.Files.ContainsKey(p.Value)).Select(p => p.Key).ToList();
        var directories = Model.Names.Where(p => !Model.Files.ContainsKey(p.Value)).Select(p => p.Key).ToList();
        int roll = random.Next(100);
        if (files.Count < 2 || (roll < 14 && files.Count < 40))
            await CreateAsync();
        else if (roll < 34)
            await WriteAsync(Pick(files), StableHow.FileSync);
        else if (roll < 58)
            await WriteAsync(Pick(files), StableHow.Unstable);
        else if (roll < 68)
            await CommitAsync(Pick(files));
        else if (roll < 82)
            await RenameAsync(files);
        else if (roll < 92)
            await RemoveAsync(Pick(files));
        else if (roll < 96 || directories.Count == 0)
            await MkdirAsync();
        else
            await RmdirAsync(Pick(directories));
    }

    private string Pick(List<string> names) => names[random.Next(names.Count)];

    private void Sending(string call, Dictionary<string, ulong>? namesIfCompleted = null)
    {
        Model.InFlight = call;
        Model.NamesIfCompleted = namesIfCompleted;
    }

    private void Done()
    {
        Model.InFlight = null;
        Model.NamesIfCompleted = null;
        Model.MayExtendContent.Clear();
    }

    private void Expect(Nfsstat3 status, string call)
    {
        if (status != Nfsstat3.Nfs3Ok)
            throw new InvalidOperationException($"{Name}: {call} answered {status}");
    }

    private async Task CreateAsync()
    {
        string name = $"f{_nextName++}";
        Sending($"CREATE {name}", Model.After(names => names[name] = DirectoryModel.AnyNewId));
        var created = await session.CreateAsync(Directory, name);
        Expect(created.Status, Model.InFlight!);
        ulong id = created.Resok.ObjAttributes.Attributes.Fileid;
        Model.Names[name] = id;
        Model.Files[id] = new FileModel(id, NfsSession.Copy(created.Resok.Obj.Handle));
        Done();
    }

    private async Task WriteAsync(string name, StableHow stable)
    {
        var file = Model.Files[Model.Names[name]];
        int offset = random.Next(MaxOffset);
        var data = new byte[1 + random.Next(MaxWrite)];
        random.NextBytes(data);
        Sending($"WRITE {stable} {name} [{offset}, +{data.Length})");
        Model.MayExtendContent.Add(file.FileId);
        file.Sending(offset, data.Length);
        var written = await session.WriteAsync(file.Handle, (ulong)offset, data, stable);
        Expect(written.Status, Model.InFlight!);
        if (written.Resok.Count != data.Length)
            throw new InvalidOperationException($"{Name}: {Model.InFlight} wrote {written.Resok.Count} bytes");
        CheckVerifier(written.Resok.Verf);
        file.Acknowledged(offset, data, stable: written.Resok.Committed != StableHow.Unstable);
        Done();
    }

    private async Task CommitAsync(string name)
    {
        var file = Model.Files[Model.Names[name]];
        Sending($"COMMIT {name}");
        var committed = await session.CommitAsync(file.Handle);
        Expect(committed.Status, Model.InFlight!);
        CheckVerifier(committed.Resok.Verf);
        file.Committed();
        Done();
    }

    private async Task RenameAsync(List<string> files)
    {
        string from = Pick(files);
        var others = files.Where(f => f != from).ToList();
        bool replace = others.Count > 0 && random.Next(3) == 0;
        string to = replace ? Pick(others) : $"f{_nextName++}";
        ulong moved = Model.Names[from];
        ulong? replaced = replace ? Model.Names[to] : null;
        Sending($"RENAME {from} -> {to}", Model.After(names =>
        {
            names.Remove(from);
            names[to] = moved;
        }));
        if (replaced is { } target)
            Model.MayOrphanContent.Add(target);
        var renamed = await session.RenameAsync(Directory, from, Directory, to);
        Expect(renamed.Status, Model.InFlight!);
        Model.Names.Remove(from);
        Model.Names[to] = moved;
        if (replaced is { } gone)
            Model.Files.Remove(gone);
        Done();
    }

    private async Task RemoveAsync(string name)
    {
        ulong id = Model.Names[name];
        Sending($"REMOVE {name}", Model.After(names => names.Remove(name)));
        Model.MayOrphanContent.Add(id);
        var removed = await session.RemoveAsync(Directory, name);
        Expect(removed.Status, Model.InFlight!);
        Model.Names.Remove(name);
        Model.Files.Remove(id);
        Done();
    }

    private async Task MkdirAsync()
    {
        string name = $"d{_nextName++}";
        Sending($"MKDIR {name}", Model.After(names => names[name] = DirectoryModel.AnyNewId));
        var made = await session.MkdirAsync(Directory, name);
        Expect(made.Status, Model.InFlight!);
        Model.Names[name] = made.Resok.ObjAttributes.Attributes.Fileid;
        Done();
    }

    private async Task RmdirAsync(string name)
    {
        Sending($"RMDIR {name}", Model.After(names => names.Remove(name)));
        var removed = await session.RmdirAsync(Directory, name);
        Expect(removed.Status, Model.InFlight!);
        Model.Names.Remove(name);
        Done();
    }

    private void CheckVerifier(in InlineOpaque<InlineBytes8> verifier)
    {
        if (Verifier is null)
            Verifier = verifier.ToArray();
        else if (!verifier.Span.SequenceEqual(Verifier))
            throw new InvalidOperationException($"{Name}: the write verifier changed within one server instance");
    }
}
