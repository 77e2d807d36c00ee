using System.Buffers.Binary;
using System.Text;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Fuzz.Targets;

/// <summary>One valid call: the whole RPC call message (no record mark) and which codecs its arguments and result use.</summary>
internal sealed record ValidCall(string Name, uint Program, uint Procedure, byte[] Message, int ArgumentsOffset, Type? ArgumentCodec, Type? ResultCodec, uint Version = 3)
{
    public ReadOnlyMemory<byte> Arguments => Message.AsMemory(ArgumentsOffset);
}

/// <summary>
/// A valid call of every NFSv3 and MOUNT v3 procedure against an <see cref="NfsEnvironment"/>'s objects, encoded with
/// the generated codecs: the seeds every fuzz target starts from.
/// </summary>
internal static class ValidCalls
{
    private const uint Nfs = NfsV3Program.Program, Mount = MountV3Program.Program;
    private static readonly byte[] Verifier = [1, 2, 3, 4, 5, 6, 7, 8];

    public static List<ValidCall> For(NfsEnvironment environment)
    {
        var root = new NfsFh3 { Data = environment.Root };
        var directory = new NfsFh3 { Data = environment.Directory };
        var file = new NfsFh3 { Data = environment.File };
        var symlink = new NfsFh3 { Data = environment.Symlink };
        var empty = new NfsFh3 { Data = environment.EmptyDirectory };
        var calls = new List<ValidCall>();
        uint xid = 1;

        void Add<TArgs, TResult>(string name, uint procedure, TArgs arguments, bool authNone = false)
            where TArgs : IXdrCodec<TArgs> where TResult : IXdrCodec<TResult>
        {
            var encoded = XdrCodec.Encode(arguments);
            var (message, offset) = Message(xid++, Nfs, 3, procedure, encoded, authNone);
            calls.Add(new ValidCall(name, Nfs, procedure, message, offset, typeof(TArgs), typeof(TResult)));
        }
        void AddRaw(string name, uint program, uint procedure, byte[] arguments, Type? resultCodec)
        {
            var (message, offset) = Message(xid++, program, 3, procedure, arguments, authNone: false);
            calls.Add(new ValidCall(name, program, procedure, message, offset, null, resultCodec));
        }

        var mode = new Sattr3
        {
            Mode = new SetMode3 { SetIt = true, Mode = 0x1A4 },
            Uid = new SetUid3 { SetIt = true, Uid = 1000 },
            Gid = new SetGid3 { SetIt = true, Gid = 1000 },
            Size = new SetSize3 { SetIt = true, Size = 100 },
            Atime = new SetAtime { SetIt = TimeHow.SetToServerTime },
            Mtime = new SetMtime { SetIt = TimeHow.SetToClientTime, Mtime = new Nfstime3 { Seconds = 1_700_000_000, Nseconds = 5 } },
        };
        AddRaw("NULL", Nfs, 0, [], null);
        Add<Getattr3Args, Getattr3Res>("GETATTR", 1, new Getattr3Args { Object = file });
        Add<Getattr3Args, Getattr3Res>("GETATTR root, AUTH_NONE", 1, new Getattr3Args { Object = root }, authNone: true);
        Add<Setattr3Args, Setattr3Res>("SETATTR", 2, new Setattr3Args { Object = file, NewAttributes = mode });
        Add<Setattr3Args, Setattr3Res>("SETATTR guarded", 2, new Setattr3Args
        {
            Object = file,
            NewAttributes = new Sattr3 { Mode = new SetMode3 { SetIt = true, Mode = 0x1B6 } },
            Guard = new Sattrguard3 { Check = true, ObjCtime = new Nfstime3 { Seconds = 1, Nseconds = 2 } },
        });
        Add<Lookup3Args, Lookup3Res>("LOOKUP", 3, new Lookup3Args { What = Where(root, "file") });
        Add<Lookup3Args, Lookup3Res>("LOOKUP ..", 3, new Lookup3Args { What = Where(directory, "..") });
        Add<Access3Args, Access3Res>("ACCESS", 4, new Access3Args { Object = file, Access = 0x3F });
        Add<Readlink3Args, Readlink3Res>("READLINK", 5, new Readlink3Args { Symlink = symlink });
        Add<Read3Args, Read3Res>("READ", 6, new Read3Args { File = file, Offset = 0, Count = 4096 });
        Add<Read3Args, Read3Res>("READ at the end", 6, new Read3Args { File = file, Offset = 8000, Count = 1024 });
        Add<Write3Args, Write3Res>("WRITE unstable", 7, new Write3Args { File = file, Offset = 16, Count = 16, Stable = StableHow.Unstable, Data = new byte[16] });
        Add<Write3Args, Write3Res>("WRITE file sync", 7, new Write3Args { File = file, Offset = 100, Count = 5, Stable = StableHow.FileSync, Data = "hello"u8.ToArray() });
        Add<Create3Args, Create3Res>("CREATE unchecked", 8, new Create3Args { Where = Where(directory, "new"), How = new Createhow3 { Mode = Createmode3.Unchecked, ObjAttributes = mode } });
        Add<Create3Args, Create3Res>("CREATE guarded", 8, new Create3Args { Where = Where(root, "guarded"), How = new Createhow3 { Mode = Createmode3.Guarded } });
        Add<Create3Args, Create3Res>("CREATE exclusive", 8, new Create3Args { Where = Where(root, "exclusive"), How = new Createhow3 { Mode = Createmode3.Exclusive, Verf = Verifier } });
        Add<Mkdir3Args, Mkdir3Res>("MKDIR", 9, new Mkdir3Args { Where = Where(directory, "sub"), Attributes = new Sattr3 { Mode = new SetMode3 { SetIt = true, Mode = 0x1ED } } });
        Add<Symlink3Args, Symlink3Res>("SYMLINK", 10, new Symlink3Args
        {
            Where = Where(directory, "symlink"),
            Symlink = new Symlinkdata3 { SymlinkData = "../file"u8.ToArray() },
        });
        Add<Mknod3Args, Mknod3Res>("MKNOD fifo", 11, new Mknod3Args { Where = Where(directory, "fifo"), What = new Mknoddata3 { Type = Ftype3.Nf3fifo } });
        Add<Mknod3Args, Mknod3Res>("MKNOD char device", 11, new Mknod3Args
        {
            Where = Where(directory, "null"),
            What = new Mknoddata3 { Type = Ftype3.Nf3chr, Device = new Devicedata3 { Spec = new Specdata3 { Specdata1 = 1, Specdata2 = 3 } } },
        });
        Add<Remove3Args, Remove3Res>("REMOVE", 12, new Remove3Args { Object = Where(directory, "victim") });
        Add<Rmdir3Args, Rmdir3Res>("RMDIR", 13, new Rmdir3Args { Object = Where(directory, "empty") });
        Add<Rename3Args, Rename3Res>("RENAME", 14, new Rename3Args { From = Where(directory, "entry-01"), To = Where(root, "renamed") });
        Add<Link3Args, Link3Res>("LINK", 15, new Link3Args { File = file, Link = Where(directory, "hard") });
        Add<Readdir3Args, Readdir3Res>("READDIR", 16, new Readdir3Args { Dir = directory, Cookie = 0, Cookieverf = new byte[8], Count = 4096 });
        Add<Readdir3Args, Readdir3Res>("READDIR small", 16, new Readdir3Args { Dir = directory, Cookie = 5, Cookieverf = new byte[8], Count = 200 });
        Add<Readdirplus3Args, Readdirplus3Res>("READDIRPLUS", 17, new Readdirplus3Args { Dir = directory, Cookieverf = new byte[8], Dircount = 1024, Maxcount = 8192 });
        Add<Fsstat3Args, Fsstat3Res>("FSSTAT", 18, new Fsstat3Args { Fsroot = root });
        Add<Fsinfo3Args, Fsinfo3Res>("FSINFO", 19, new Fsinfo3Args { Fsroot = root });
        Add<Pathconf3Args, Pathconf3Res>("PATHCONF", 20, new Pathconf3Args { Object = empty });
        Add<Commit3Args, Commit3Res>("COMMIT", 21, new Commit3Args { File = file, Offset = 0, Count = 0 });

        var exportPath = Opaque(Encoding.UTF8.GetBytes(NfsEnvironment.ExportPath));
        AddRaw("MOUNT NULL", Mount, 0, [], null);
        AddRaw("MNT", Mount, 1, exportPath, typeof(Mountres3));
        AddRaw("MNT subdirectory", Mount, 1, Opaque(Encoding.UTF8.GetBytes(NfsEnvironment.ExportPath + "/dir")), typeof(Mountres3));
        AddRaw("DUMP", Mount, 2, [], typeof(XdrLinkedListOfMountbodyCodec));
        AddRaw("UMNT", Mount, 3, exportPath, null);
        AddRaw("UMNTALL", Mount, 4, [], null);
        AddRaw("EXPORT", Mount, 5, [], typeof(XdrLinkedListOfExportnodeCodec));
        return calls;
    }

    private static Diropargs3 Where(NfsFh3 directory, string name) => new() { Dir = directory, Name = Encoding.UTF8.GetBytes(name) };

    private static byte[] Opaque(byte[] bytes) => XdrCodec.Encode<OpaqueAuth>(new OpaqueAuth { Body = bytes })[4..];

    /// <summary>An RPC call message (RFC 5531 §9): AUTH_SYS as root with two groups, or AUTH_NONE; an AUTH_NONE verifier.</summary>
    public static (byte[] Message, int ArgumentsOffset) Message(uint xid, uint program, uint version, uint procedure, byte[] arguments, bool authNone)
    {
        var credential = authNone
            ? new OpaqueAuth { Flavor = (uint)AuthFlavor.AuthNone, Body = Array.Empty<byte>() }
            : new OpaqueAuth
            {
                Flavor = (uint)AuthFlavor.AuthSys,
                Body = XdrCodec.Encode(new AuthsysParms { Stamp = 7, Machinename = "fuzz"u8.ToArray(), Uid = 0, Gid = 0, Gids = new uint[] { 0, 10 } }),
            };
        var header = new byte[24];
        BinaryPrimitives.WriteUInt32BigEndian(header, xid);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)MsgType.Call);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), 2);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(12), program);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(16), version);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(20), procedure);
        byte[] prefix = [.. header, .. XdrCodec.Encode(credential), .. XdrCodec.Encode(new OpaqueAuth { Flavor = (uint)AuthFlavor.AuthNone, Body = Array.Empty<byte>() })];
        return ([.. prefix, .. arguments], prefix.Length);
    }

    /// <summary>A message with its record mark, as one last fragment (RFC 5531 §11).</summary>
    public static byte[] Record(byte[] message)
    {
        var record = new byte[4 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(record, 0x8000_0000u | (uint)message.Length);
        message.CopyTo(record, 4);
        return record;
    }
}
