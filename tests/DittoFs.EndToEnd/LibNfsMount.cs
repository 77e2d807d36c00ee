using System.Runtime.InteropServices;
using System.Text;

namespace DittoFs.EndToEnd;

/// <summary>
/// One libnfs context mounted on an export. Methods return libnfs's result (0 or a byte count, -errno on
/// failure) so tests can assert exact errors; <see cref="Check"/> turns a failure into an exception with
/// libnfs's own message.
/// </summary>
internal sealed unsafe class LibNfsMount : IDisposable
{
    // Linux open(2) flags and errno values, as libnfs uses them.
    public const int ReadOnly = 0, WriteOnly = 1, ReadWrite = 2, Creat = 0x40, Excl = 0x80, Trunc = 0x200;
    public const int ENOENT = 2, EACCES = 13, EEXIST = 17, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENAMETOOLONG = 36, ENOTEMPTY = 39, EROFS = 30, EFBIG = 27, EPERM = 1, ESTALE = 116;

    private IntPtr _context;

    private LibNfsMount(IntPtr context) => _context = context;

    /// <summary>
    /// Mounts <c>export</c> on the server at 127.0.0.1 with explicit ports (no portmapper). A call to a server that
    /// died blocks for <paramref name="timeoutMilliseconds"/> (libnfs keeps reconnecting until then).
    /// </summary>
    public static LibNfsMount Connect(int port, string export = "/export", int uid = 0, int gid = 0, int timeoutMilliseconds = 30_000)
    {
        var context = LibNfs.InitContext();
        if (context == IntPtr.Zero)
            throw new InvalidOperationException("nfs_init_context failed");
        var mount = new LibNfsMount(context);
        try
        {
            LibNfs.SetTimeout(context, timeoutMilliseconds);
            // libnfs reads the ports from the URL; parsing it configures the context.
            var url = LibNfs.ParseUrlDir(context, Url(port, export));
            if (url == IntPtr.Zero)
                throw new InvalidOperationException("nfs_parse_url_dir: " + mount.Error);
            LibNfs.DestroyUrl(url);
            LibNfs.SetUid(context, uid);
            LibNfs.SetGid(context, gid);
            mount.Check(LibNfs.Mount(context, "127.0.0.1", export), "mount " + export);
            return mount;
        }
        catch
        {
            mount.Dispose();
            throw;
        }
    }

    public static string Url(int port, string export = "/export", string path = "") =>
        $"nfs://127.0.0.1{export}{path}?version=3&nfsport={port}&mountport={port}";

    public string Error => Marshal.PtrToStringUTF8(LibNfs.GetError(_context)) ?? "";

    public int Check(int result, string what)
    {
        if (result < 0)
            throw new IOException($"{what}: errno {-result}: {Error}");
        return result;
    }

    public int Stat(string path, out LibNfs.NfsStat64 stat) => LibNfs.Stat64(_context, path, out stat);
    public int Lstat(string path, out LibNfs.NfsStat64 stat) => LibNfs.Lstat64(_context, path, out stat);

    public LibNfs.NfsStat64 Stat(string path)
    {
        Check(Stat(path, out var stat), "stat " + path);
        return stat;
    }

    public int Open(string path, int flags, out IntPtr fh) => LibNfs.Open(_context, path, flags, out fh);
    public int Create(string path, int flags, int mode, out IntPtr fh) => LibNfs.Create(_context, path, flags, mode, out fh);
    public int Close(IntPtr fh) => LibNfs.Close(_context, fh);
    public int Fsync(IntPtr fh) => LibNfs.Fsync(_context, fh);

    public int Pwrite(IntPtr fh, ulong offset, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
            return LibNfs.Pwrite(_context, fh, offset, (ulong)data.Length, p);
    }

    public int Pread(IntPtr fh, ulong offset, Span<byte> destination)
    {
        fixed (byte* p = destination)
            return LibNfs.Pread(_context, fh, offset, (ulong)destination.Length, p);
    }

    /// <summary>Creates (or replaces) a file with <paramref name="content"/>, written in chunks, then fsyncs.</summary>
    public void WriteFile(string path, ReadOnlySpan<byte> content, int mode = 0x1A4 /* 0644 */)
    {
        Check(Create(path, WriteOnly | Creat | Trunc, mode, out var fh), "create " + path);
        try
        {
            int done = 0;
            while (done < content.Length)
            {
                int chunk = Math.Min(1 << 20, content.Length - done);
                done += Check(Pwrite(fh, (ulong)done, content.Slice(done, chunk)), "pwrite " + path);
            }
            Check(Fsync(fh), "fsync " + path);
        }
        finally
        {
            Close(fh);
        }
    }

    public byte[] ReadFile(string path)
    {
        var size = Stat(path).Size;
        var content = new byte[size];
        Check(Open(path, ReadOnly, out var fh), "open " + path);
        try
        {
            int done = 0;
            while (done < content.Length)
            {
                int read = Check(Pread(fh, (ulong)done, content.AsSpan(done, Math.Min(1 << 20, content.Length - done))), "pread " + path);
                if (read == 0)
                    break;
                done += read;
            }
            return content;
        }
        finally
        {
            Close(fh);
        }
    }

    public int Truncate(string path, ulong length) => LibNfs.Truncate(_context, path, length);
    public int Mkdir(string path, int mode = 0x1ED /* 0755 */) => LibNfs.Mkdir2(_context, path, mode);
    public int Rmdir(string path) => LibNfs.Rmdir(_context, path);
    public int Unlink(string path) => LibNfs.Unlink(_context, path);
    public int Mknod(string path, int mode, int device) => LibNfs.Mknod(_context, path, mode, device);
    public int Rename(string from, string to) => LibNfs.Rename(_context, from, to);
    public int Link(string existing, string newPath) => LibNfs.Link(_context, existing, newPath);
    public int Symlink(string target, string linkPath) => LibNfs.Symlink(_context, target, linkPath);
    public int Chmod(string path, int mode) => LibNfs.Chmod(_context, path, mode);
    public int Chown(string path, int uid, int gid) => LibNfs.Chown(_context, path, uid, gid);
    public int Access(string path, int mode) => LibNfs.Access(_context, path, mode);

    public int Utimes(string path, long atimeSeconds, long mtimeSeconds)
    {
        var times = stackalloc LibNfs.TimeVal[2];
        times[0] = new LibNfs.TimeVal { Seconds = atimeSeconds };
        times[1] = new LibNfs.TimeVal { Seconds = mtimeSeconds };
        return LibNfs.Utimes(_context, path, times);
    }

    public string ReadLink(string path)
    {
        var buffer = new byte[4096];
        fixed (byte* p = buffer)
            Check(LibNfs.Readlink(_context, path, p, buffer.Length), "readlink " + path);
        int length = Array.IndexOf(buffer, (byte)0);
        return Encoding.UTF8.GetString(buffer, 0, length < 0 ? buffer.Length : length);
    }

    public LibNfs.NfsStatVfs64 StatVfs(string path)
    {
        Check(LibNfs.StatVfs64(_context, path, out var stat), "statvfs " + path);
        return stat;
    }

    /// <summary>Names in a directory as libnfs lists them (READDIRPLUS), including "." and "..".</summary>
    public List<string> ListDirectory(string path)
    {
        Check(LibNfs.Opendir(_context, path, out var dir), "opendir " + path);
        try
        {
            var names = new List<string>();
            for (var entry = LibNfs.Readdir(_context, dir); entry != null; entry = LibNfs.Readdir(_context, dir))
                names.Add(Marshal.PtrToStringUTF8(entry->Name) ?? "");
            return names;
        }
        finally
        {
            LibNfs.Closedir(_context, dir);
        }
    }

    public void Dispose()
    {
        if (_context != IntPtr.Zero)
        {
            LibNfs.DestroyContext(_context);
            _context = IntPtr.Zero;
        }
    }
}
