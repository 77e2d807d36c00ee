using DittoFs.Protocol;

namespace DittoFs.EndToEnd;

/// <summary>
/// The libnfs client of the crash workload, on a thread of its own (libnfs's sync API blocks): the atomic-save
/// pattern applications use, in one directory: create tmpN, write it with UNSTABLE WRITEs (nfs_pwrite), fsync
/// (COMMIT), close, rename it over fileK; now and then unlink a fileK. A renamed file must come back whole.
/// libnfs blocks until its timeout when the server dies, so the worker is told when the kill happens: a failure
/// before it fails the test, one after it ends the worker.
/// </summary>
internal sealed class LibNfsCrashWorker(int port, string path, NfsFh3 directory, Random random) : ICrashClient
{
    private const int Timeout = 2_000;
    private volatile bool _killed;
    private int _next;

    public string Name => path;
    public NfsFh3 Directory { get; } = directory;
    public DirectoryModel Model { get; } = new();
    public int Acknowledged { get; private set; }
    public Exception? StoppedBy { get; private set; }

    /// <summary>Called just before the server is killed: failures from now on are the crash, not a bug.</summary>
    public void ServerKilled() => _killed = true;

    public Task RunAsync() => Task.Factory.StartNew(Run, TaskCreationOptions.LongRunning);

    private void Run()
    {
        using var nfs = LibNfsMount.Connect(port, timeoutMilliseconds: Timeout);
        try
        {
            while (true)
                SaveFile(nfs, _next++);
        }
        catch (IOException exception) when (_killed)
        {
            StoppedBy = exception;
        }
    }

    /// <summary>One atomic save: tmpN written, fsynced and renamed over fileK (or, one time in five, an unlink first).</summary>
    private void SaveFile(LibNfsMount nfs, int n)
    {
        string target = $"file{random.Next(4)}";
        if (random.Next(5) == 0 && Model.Names.ContainsKey(target))
        {
            ulong removed = Model.Names[target];
            Model.MayOrphanContent.Add(removed);
            Step($"unlink {target}", Model.After(names => names.Remove(target)), () => nfs.Unlink($"{path}/{target}"));
            Done(() =>
            {
                Model.Names.Remove(target);
                Model.Files.Remove(removed);
            });
        }

        string temporary = $"tmp{n}";
        IntPtr handle = IntPtr.Zero;
        Step($"create {temporary}", Model.After(names => names[temporary] = DirectoryModel.AnyNewId),
            () => nfs.Create($"{path}/{temporary}", LibNfsMount.WriteOnly | LibNfsMount.Creat | LibNfsMount.Trunc, 0x1A4, out handle));
        Done(() => Model.Names[temporary] = DirectoryModel.AnyNewId);
        try
        {
            LibNfs.NfsStat64 stat = default;
            Step($"stat {temporary}", null, () => nfs.Stat($"{path}/{temporary}", out stat));
            var file = new FileModel(stat.Ino, default);
            Done(() =>
            {
                Model.Names[temporary] = file.FileId;
                Model.Files[file.FileId] = file;
            });

            int length = 1 + random.Next(160 * 1024);
            var data = new byte[length];
            random.NextBytes(data);
            for (int offset = 0; offset < length; offset += 32 * 1024)
            {
                int chunk = Math.Min(32 * 1024, length - offset);
                Model.MayExtendContent.Add(file.FileId);
                file.Sending(offset, chunk);
                int at = offset;
                Step($"pwrite {temporary} [{offset}, +{chunk})", null, () => nfs.Pwrite(handle, (ulong)at, data.AsSpan(at, chunk)));
                Done(() => file.Acknowledged(at, data.AsSpan(at, chunk), stable: false));
            }
            Step($"fsync {temporary}", null, () => nfs.Fsync(handle));
            Done(file.Committed);
        }
        finally
        {
            if (!_killed)
                nfs.Close(handle);
        }

        ulong moved = Model.Names[temporary];
        ulong? replaced = Model.Names.TryGetValue(target, out ulong old) ? old : null;
        if (replaced is { } overwritten)
            Model.MayOrphanContent.Add(overwritten);
        Step($"rename {temporary} -> {target}", Model.After(names =>
        {
            names.Remove(temporary);
            names[target] = moved;
        }), () => nfs.Rename($"{path}/{temporary}", $"{path}/{target}"));
        Done(() =>
        {
            Model.Names.Remove(temporary);
            Model.Names[target] = moved;
            if (replaced is { } gone)
                Model.Files.Remove(gone);
        });
    }

    /// <summary>Records the call as in flight and makes it; throws when it fails.</summary>
    private void Step(string call, Dictionary<string, ulong>? namesIfCompleted, Func<int> libnfsCall)
    {
        Model.InFlight = call;
        Model.NamesIfCompleted = namesIfCompleted;
        int result = libnfsCall();
        if (result < 0)
        {
            if (_killed)
                throw new IOException($"{call}: errno {-result} (server killed)");
            throw new InvalidOperationException($"{path}: {call} failed with errno {-result}");
        }
    }

    private void Done(Action acknowledge)
    {
        acknowledge();
        Model.InFlight = null;
        Model.NamesIfCompleted = null;
        Model.MayExtendContent.Clear();
        Acknowledged++;
    }
}
