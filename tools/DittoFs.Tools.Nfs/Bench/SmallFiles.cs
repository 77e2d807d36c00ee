using System.Diagnostics;
using System.Globalization;
using System.Text;
using DittoFs.Protocol;
using DittoFs.Tools.Nfs.Session;
using DittoFs.Tools.Nfs.Urls;

namespace DittoFs.Tools.Nfs.Bench;

/// <summary>
/// small_files: in a fresh directory, N files each created and given 4 KiB (CREATE + WRITE FILE_SYNC), then
/// each looked up (its size checked), the directory listed (READDIRPLUS, N + 2 entries expected), then each
/// removed; depth in flight. Reports each phase's rate, as nfsbench does.
/// </summary>
internal static class SmallFiles
{
    public static async Task<WorkloadReport> RunAsync(BenchTarget target, CancellationToken cancellationToken)
    {
        var session = target.Session;
        int files = target.Settings.Files;
        string directoryPath = ServerPath.Join(target.Directory.Path, BenchTarget.SmallFilesDirectoryName);
        var directory = await MakeDirectoryAsync(target, directoryPath, cancellationToken).ConfigureAwait(false);
        var runner = new LoadRunner(target.Errors);
        var rates = new StringBuilder();
        long errors = 0;
        static string Name(long index) => string.Create(CultureInfo.InvariantCulture, $"f{index:D6}");

        var created = await runner.RunAsync("small_files", target.Settings.Depth, files, null, async (index, token) =>
        {
            string path = ServerPath.Join(directoryPath, Name(index));
            var file = await target.CreateFileAsync(directory, Name(index), path, token).ConfigureAwait(false);
            var reply = await session.Nfs.WriteAsync(new Write3Args
            {
                File = file,
                Offset = 0,
                Count = BenchSettings.SmallIoSize,
                Stable = StableHow.FileSync,
                Data = DataPattern.At(0, BenchSettings.SmallIoSize),
            }, token).ConfigureAwait(false);
            NfsException.ThrowIfFailed(reply.Status, "WRITE", path);
            return BenchSettings.SmallIoSize;
        }, cancellationToken).ConfigureAwait(false);
        Append(rates, "create_write_4k_per_s", files / created.Elapsed.TotalSeconds);
        errors += created.Errors;

        var stated = await runner.RunAsync("small_files", target.Settings.Depth, files, null, async (index, token) =>
        {
            string path = ServerPath.Join(directoryPath, Name(index));
            var found = await session.LookupAsync(directory, Name(index), path, token).ConfigureAwait(false);
            if (found.Attributes.Size != BenchSettings.SmallIoSize)
                throw new ProtocolViolationException($"{path}: size {found.Attributes.Size}, expected {BenchSettings.SmallIoSize}");
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        Append(rates, "stat_per_s", files / stated.Elapsed.TotalSeconds);
        errors += stated.Errors;

        var clock = Stopwatch.StartNew();
        var entries = await DirectoryLister.ListAsync(session, directory, directoryPath, cancellationToken).ConfigureAwait(false);
        Append(rates, "readdir_entries_per_s", entries.Count / clock.Elapsed.TotalSeconds);
        if (entries.Count != files + 2)
        {
            runner.Error($"READDIRPLUS of {directoryPath}: {entries.Count} entries, expected {files + 2}");
            errors++;
        }

        var removed = await runner.RunAsync("small_files", target.Settings.Depth, files, null, async (index, token) =>
        {
            string path = ServerPath.Join(directoryPath, Name(index));
            var reply = await session.Nfs.RemoveAsync(new Remove3Args { Object = new Diropargs3 { Dir = directory, Name = Encoding.UTF8.GetBytes(Name(index)) } }, token).ConfigureAwait(false);
            NfsException.ThrowIfFailed(reply.Status, "REMOVE", path);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        Append(rates, "remove_per_s", files / removed.Elapsed.TotalSeconds);
        errors += removed.Errors;

        var rmdir = await session.Nfs.RmdirAsync(new Rmdir3Args { Object = new Diropargs3 { Dir = target.Directory.Handle, Name = Encoding.UTF8.GetBytes(BenchTarget.SmallFilesDirectoryName) } }, cancellationToken).ConfigureAwait(false);
        NfsException.ThrowIfFailed(rmdir.Status, "RMDIR", directoryPath);
        return new WorkloadReport(string.Create(CultureInfo.InvariantCulture, $"workload=small_files files={files} {rates}errors={errors}"), errors);
    }

    private static void Append(StringBuilder line, string name, double rate) =>
        line.Append(CultureInfo.InvariantCulture, $"{name}={rate:0} ");

    private static async Task<NfsFh3> MakeDirectoryAsync(BenchTarget target, string path, CancellationToken cancellationToken)
    {
        var result = await target.Session.Nfs.MkdirAsync(new Mkdir3Args
        {
            Where = new Diropargs3 { Dir = target.Directory.Handle, Name = Encoding.UTF8.GetBytes(BenchTarget.SmallFilesDirectoryName) },
            Attributes = new Sattr3 { Mode = new SetMode3 { SetIt = true, Mode = 0x1ED } },
        }, cancellationToken).ConfigureAwait(false);
        // NFS3ERR_EXIST here means an interrupted bench left the directory: 'ditto-nfs rm -r' clears it.
        NfsException.ThrowIfFailed(result.Status, "MKDIR", path);
        if (result.Resok.Obj.HandleFollows)
            return result.Resok.Obj.Handle;
        return (await target.Session.LookupAsync(target.Directory.Handle, BenchTarget.SmallFilesDirectoryName, path, cancellationToken).ConfigureAwait(false)).Handle;
    }
}
