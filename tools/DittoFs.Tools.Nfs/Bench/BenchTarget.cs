using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Tools.Nfs.Session;
using DittoFs.Tools.Nfs.Urls;

namespace DittoFs.Tools.Nfs.Bench;

/// <summary>
/// Where the bench works: the directory the URL names, the data file in it (created on first use) and the
/// directory small_files fills. Names differ from nfsbench's so the two can run side by side.
/// </summary>
internal sealed class BenchTarget(NfsSession session, NfsObject directory, BenchSettings settings, TextWriter errors)
{
    public const string DataFileName = "ditto-nfs-bench.dat";
    public const string SmallFilesDirectoryName = "ditto-nfs-bench.d";

    public NfsSession Session { get; } = session;
    public NfsObject Directory { get; } = directory;
    public BenchSettings Settings { get; } = settings;
    public TextWriter Errors { get; } = errors;

    /// <summary>The data file's handle (null until created).</summary>
    public NfsFh3? DataFile { get; private set; }

    /// <summary>Whether the data file holds <see cref="BenchSettings.FileSize"/> bytes of the pattern.</summary>
    public bool DataWritten { get; set; }

    public string DataFilePath => ServerPath.Join(Directory.Path, DataFileName);

    /// <summary>Creates (or truncates) the data file.</summary>
    public async Task<NfsFh3> CreateDataFileAsync(CancellationToken cancellationToken)
    {
        DataFile = await CreateFileAsync(Directory.Handle, DataFileName, DataFilePath, cancellationToken).ConfigureAwait(false);
        DataWritten = false;
        return DataFile.Value;
    }

    /// <summary>CREATE UNCHECKED, mode 0644, size 0.</summary>
    public async Task<NfsFh3> CreateFileAsync(NfsFh3 directory, string name, string path, CancellationToken cancellationToken)
    {
        var result = await Session.Nfs.CreateAsync(new Create3Args
        {
            Where = new Diropargs3 { Dir = directory, Name = Encoding.UTF8.GetBytes(name) },
            How = new Createhow3
            {
                Mode = Createmode3.Unchecked,
                ObjAttributes = new Sattr3 { Mode = new SetMode3 { SetIt = true, Mode = 0x1A4 }, Size = new SetSize3 { SetIt = true, Size = 0 } },
            },
        }, cancellationToken).ConfigureAwait(false);
        NfsException.ThrowIfFailed(result.Status, "CREATE", path);
        if (result.Resok.Obj.HandleFollows)
            return result.Resok.Obj.Handle;
        return (await Session.LookupAsync(directory, name, path, cancellationToken).ConfigureAwait(false)).Handle;
    }

    /// <summary>
    /// Removes the data file if the bench made one. Best effort: it runs after failures too, and must not hide
    /// the failure that ended the run, so its own failure is only reported.
    /// </summary>
    public async Task CleanUpAsync(TextWriter warnings)
    {
        if (DataFile is null)
            return;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var result = await Session.Nfs.RemoveAsync(new Remove3Args { Object = new Diropargs3 { Dir = Directory.Handle, Name = Encoding.UTF8.GetBytes(DataFileName) } }, timeout.Token).ConfigureAwait(false);
            NfsException.ThrowIfFailed(result.Status, "REMOVE", DataFilePath);
            DataFile = null;
        }
        catch (Exception exception) when (exception is NfsException or RpcException or IOException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            warnings.WriteLine($"ditto-nfs: bench: could not remove {DataFilePath}: {exception.Message}");
        }
    }
}
