using System.Diagnostics;
using System.Globalization;
using System.Text;
using DittoFs.Tools.Nfs.Session;
using DittoFs.Tools.Nfs.Urls;

namespace DittoFs.Tools.Nfs.Bench;

/// <summary>
/// small_files: in a fresh directory, N files each created and given 4 KiB (CREATE + WRITE FILE_SYNC; over NFSv4
/// OPEN, WRITE, CLOSE), then each looked up (its size checked), the directory listed (N entries expected), then
/// each removed; depth in flight. Reports each phase's rate, as nfsbench does.
/// </summary>
internal static class SmallFiles
{
    public static async Task<WorkloadReport> RunAsync(BenchTarget target, CancellationToken cancellationToken)
    {
        var client = target.Client;
        int files = target.Settings.Files;
        int inFlight = target.Settings.InFlight(1);
        string directoryPath = ServerPath.Join(client.DirectoryPath, BenchTarget.SmallFilesDirectoryName);
        var directory = await client.MakeDirectoryAsync(client.Directory, BenchTarget.SmallFilesDirectoryName, directoryPath, cancellationToken).ConfigureAwait(false);
        var runner = new LoadRunner(target.Errors);
        var rates = new StringBuilder();
        long errors = 0;
        static string Name(long index) => string.Create(CultureInfo.InvariantCulture, $"f{index:D6}");

        var created = await runner.RunAsync("small_files", inFlight, files, null, async (index, token) =>
        {
            string path = ServerPath.Join(directoryPath, Name(index));
            var file = await client.CreateFileAsync(directory, Name(index), path, token).ConfigureAwait(false);
            try
            {
                await client.WriteAsync(file, 0, DataPattern.At(0, BenchSettings.SmallIoSize), fileSync: true, path, token).ConfigureAwait(false);
            }
            finally
            {
                await client.CloseAsync(file, path, token).ConfigureAwait(false);
            }
            return BenchSettings.SmallIoSize;
        }, cancellationToken).ConfigureAwait(false);
        Append(rates, "create_write_4k_per_s", files / created.Elapsed.TotalSeconds);
        errors += created.Errors;

        var stated = await runner.RunAsync("small_files", inFlight, files, null, async (index, token) =>
        {
            string path = ServerPath.Join(directoryPath, Name(index));
            ulong size = await client.LookupSizeAsync(directory, Name(index), path, token).ConfigureAwait(false);
            if (size != BenchSettings.SmallIoSize)
                throw new ProtocolViolationException($"{path}: size {size}, expected {BenchSettings.SmallIoSize}");
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        Append(rates, "stat_per_s", files / stated.Elapsed.TotalSeconds);
        errors += stated.Errors;

        var clock = Stopwatch.StartNew();
        int entries = await client.CountEntriesAsync(directory, directoryPath, cancellationToken).ConfigureAwait(false);
        Append(rates, "readdir_entries_per_s", entries / clock.Elapsed.TotalSeconds);
        if (entries != files)
        {
            runner.Error($"listing {directoryPath}: {entries} entries, expected {files}");
            errors++;
        }

        var removed = await runner.RunAsync("small_files", inFlight, files, null, async (index, token) =>
        {
            await client.RemoveAsync(directory, Name(index), isDirectory: false, ServerPath.Join(directoryPath, Name(index)), token).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        Append(rates, "remove_per_s", files / removed.Elapsed.TotalSeconds);
        errors += removed.Errors;

        await client.RemoveAsync(client.Directory, BenchTarget.SmallFilesDirectoryName, isDirectory: true, directoryPath, cancellationToken).ConfigureAwait(false);
        return new WorkloadReport(string.Create(CultureInfo.InvariantCulture, $"workload=small_files files={files} {rates}errors={errors}"), errors);
    }

    private static void Append(StringBuilder line, string name, double rate) =>
        line.Append(CultureInfo.InvariantCulture, $"{name}={rate:0} ");
}
