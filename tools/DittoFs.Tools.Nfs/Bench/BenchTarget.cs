using DittoFs.Rpc;
using DittoFs.Tools.Nfs.Session;
using DittoFs.Tools.Nfs.Urls;
using DittoFs.Xdr;

namespace DittoFs.Tools.Nfs.Bench;

/// <summary>
/// Where the bench works: the directory the URL names (reached through <see cref="Client"/>, NFSv3 or NFSv4.1),
/// the data file in it (created on first use, open until the bench ends) and the directory small_files fills.
/// Names differ from nfsbench's so the two can run side by side.
/// </summary>
internal sealed class BenchTarget(BenchClient client, BenchSettings settings, TextWriter errors)
{
    public const string DataFileName = "ditto-nfs-bench.dat";
    public const string SmallFilesDirectoryName = "ditto-nfs-bench.d";

    public BenchClient Client { get; } = client;
    public BenchSettings Settings { get; } = settings;
    public TextWriter Errors { get; } = errors;

    /// <summary>The data file (null until created).</summary>
    public BenchFile? DataFile { get; private set; }

    /// <summary>Whether the data file holds <see cref="BenchSettings.FileSize"/> bytes of the pattern.</summary>
    public bool DataWritten { get; set; }

    public string DataFilePath => ServerPath.Join(Client.DirectoryPath, DataFileName);

    /// <summary>Creates (or truncates) the data file, closing the previous open of it first.</summary>
    public async Task<BenchFile> CreateDataFileAsync(CancellationToken cancellationToken)
    {
        if (DataFile is BenchFile previous)
        {
            DataFile = null;
            await Client.CloseAsync(previous, DataFilePath, cancellationToken).ConfigureAwait(false);
        }
        DataFile = await Client.CreateFileAsync(Client.Directory, DataFileName, DataFilePath, cancellationToken).ConfigureAwait(false);
        DataWritten = false;
        return DataFile.Value;
    }

    /// <summary>
    /// Closes and removes the data file if the bench made one. Best effort: it runs after failures too, and must
    /// not hide the failure that ended the run, so its own failure is only reported.
    /// </summary>
    public async Task CleanUpAsync(TextWriter warnings)
    {
        if (DataFile is not BenchFile file)
            return;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await Client.CloseAsync(file, DataFilePath, timeout.Token).ConfigureAwait(false);
            await Client.RemoveAsync(Client.Directory, DataFileName, isDirectory: false, DataFilePath, timeout.Token).ConfigureAwait(false);
            DataFile = null;
        }
        catch (Exception exception) when (exception is NfsException or Nfs4Exception or ProtocolViolationException or RpcException or XdrDecodeException
            or IOException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            warnings.WriteLine($"ditto-nfs: bench: could not remove {DataFilePath}: {exception.Message}");
        }
    }
}
