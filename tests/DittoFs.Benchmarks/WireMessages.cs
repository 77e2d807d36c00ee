using DittoFs.Protocol;

namespace DittoFs.Benchmarks;

/// <summary>The messages the benchmarks decode and encode, shaped like what Linux clients send and servers answer.</summary>
internal static class WireMessages
{
    /// <summary>A 32-byte handle, the size DittoFs hands out.</summary>
    public static NfsFh3 Handle(byte seed) => new() { Data = Enumerable.Range(0, 32).Select(i => (byte)(i + seed)).ToArray() };

    public static Fattr3 Attributes(ulong fileid) => new()
    {
        Type = Ftype3.Nf3reg,
        Mode = 0x1A4,
        Nlink = 1,
        Uid = 1000,
        Gid = 1000,
        Size = 1 << 20,
        Used = 1 << 20,
        Fsid = 1,
        Fileid = fileid,
        Atime = new Nfstime3 { Seconds = 1_700_000_000, Nseconds = 1 },
        Mtime = new Nfstime3 { Seconds = 1_700_000_000, Nseconds = 2 },
        Ctime = new Nfstime3 { Seconds = 1_700_000_000, Nseconds = 3 },
    };

    public static Getattr3Res GetattrResult() => new()
    {
        Status = Nfsstat3.Nfs3Ok,
        Resok = new Getattr3Resok { ObjAttributes = Attributes(2) },
    };

    /// <summary>A READDIRPLUS reply with <paramref name="count"/> entries, each with attributes and a handle.</summary>
    public static Readdirplus3Res Listing(int count) => new()
    {
        Status = Nfsstat3.Nfs3Ok,
        Resok = new Readdirplus3Resok
        {
            DirAttributes = new PostOpAttr { AttributesFollow = true, Attributes = Attributes(1) with { Type = Ftype3.Nf3dir } },
            Cookieverf = new byte[8],
            Reply = new Dirlistplus3
            {
                Entries = Enumerable.Range(0, count).Select(i => new Entryplus3
                {
                    Fileid = (ulong)i + 2,
                    Name = System.Text.Encoding.ASCII.GetBytes($"file-{i:D5}.dat"),
                    Cookie = (ulong)i + 1,
                    NameAttributes = new PostOpAttr { AttributesFollow = true, Attributes = Attributes((ulong)i + 2) },
                    NameHandle = new PostOpFh3 { HandleFollows = true, Handle = Handle((byte)i) },
                }).ToArray(),
                Eof = true,
            },
        },
    };
}
