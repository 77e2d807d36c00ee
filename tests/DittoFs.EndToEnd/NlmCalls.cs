using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;

namespace DittoFs.EndToEnd;

/// <summary>
/// The NLM calls the end-to-end lock tests make with the generated clients, bounded by <see cref="Timeout"/>: a
/// file to lock (created over NFS in /export), the v4 lock of an owner (caller name + svid, with owner handle
/// "caller/svid"), LOCK, UNLOCK, TEST and CANCEL.
/// </summary>
internal static class NlmCalls
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static readonly RpcClientOptions Options = new()
    {
        Credential = RpcCredential.AuthSys(0, 0, machineName: "e2e-nlm"),
        RetransmitInterval = TimeSpan.FromMilliseconds(500),
        CallTimeout = Timeout,
    };

    /// <summary>Creates a file of a fresh name in /export and returns its handle.</summary>
    public static async Task<byte[]> CreateFileAsync(int port)
    {
        await using var tcp = await RpcClient.ConnectAsync("127.0.0.1", port, Options);
        var mounted = await new MountV3Client(tcp).MntAsync(Encoding.UTF8.GetBytes("/export")).AsTask().WaitAsync(Timeout);
        Assert.That(mounted.FhsStatus, Is.EqualTo(Mountstat3.Mnt3Ok));
        var created = await new NfsV3Client(tcp).CreateAsync(new Create3Args
        {
            Where = new Diropargs3 { Dir = new NfsFh3 { Data = mounted.Mountinfo.Fhandle.ToArray() }, Name = Encoding.UTF8.GetBytes($"locked-{Guid.NewGuid():N}") },
            How = new Createhow3 { Mode = Createmode3.Unchecked },
        }).AsTask().WaitAsync(Timeout);
        Assert.That(created.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        return created.Resok.Obj.Handle.Data.ToArray();
    }

    public static Nlm4Lock Lock(byte[] file, string caller, int svid, ulong offset, ulong length) => new()
    {
        CallerName = Encoding.UTF8.GetBytes(caller),
        Fh = file,
        Oh = Encoding.UTF8.GetBytes($"{caller}/{svid}"),
        Svid = svid,
        LOffset = offset,
        LLen = length,
    };

    /// <summary>SHARE/UNSHARE arguments of <paramref name="caller"/>, whose owner handle is its name.</summary>
    public static Nlm4Shareargs Share4(byte[] file, string caller, Fsh4Access access, Fsh4Mode deny) => new()
    {
        Cookie = "share"u8.ToArray(),
        Share = new Nlm4Share { CallerName = Encoding.UTF8.GetBytes(caller), Fh = file, Oh = Encoding.UTF8.GetBytes(caller), Access = access, Mode = deny },
    };

    public static async Task<Nlm4Stats> LockAsync(NlmV4Client nlm, Nlm4Lock alock, bool exclusive = true, bool block = false, bool reclaim = false) =>
        (await nlm.LockAsync(new Nlm4Lockargs { Cookie = "lock"u8.ToArray(), Alock = alock, Exclusive = exclusive, Block = block, Reclaim = reclaim }).AsTask().WaitAsync(Timeout)).Stat.Stat;

    public static async Task<Nlm4Stats> UnlockAsync(NlmV4Client nlm, Nlm4Lock alock) =>
        (await nlm.UnlockAsync(new Nlm4Unlockargs { Cookie = "unlock"u8.ToArray(), Alock = alock }).AsTask().WaitAsync(Timeout)).Stat.Stat;

    public static async Task<Nlm4Testrply> TestAsync(NlmV4Client nlm, Nlm4Lock alock, bool exclusive = true) =>
        (await nlm.TestAsync(new Nlm4Testargs { Cookie = "test"u8.ToArray(), Alock = alock, Exclusive = exclusive }).AsTask().WaitAsync(Timeout)).Stat;

    public static async Task<Nlm4Stats> CancelAsync(NlmV4Client nlm, Nlm4Lock alock, bool exclusive = true) =>
        (await nlm.CancelAsync(new Nlm4Cancargs { Cookie = "cancel"u8.ToArray(), Block = true, Exclusive = exclusive, Alock = alock }).AsTask().WaitAsync(Timeout)).Stat.Stat;

    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds; fails the test after <paramref name="timeout"/>.</summary>
    public static async Task PollAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"{what}: not within {timeout}");
            await Task.Delay(100);
        }
    }
}
