using System.Runtime.InteropServices;

namespace DittoFs.EndToEnd;

/// <summary>
/// Debian's libnfs 4.0 (libnfs.so.13), the synchronous API: a client no one on this project wrote.
/// Signatures follow /usr/include/nfsc/libnfs.h of libnfs-dev 4.0.
/// </summary>
internal static unsafe partial class LibNfs
{
    private const string Library = "libnfs.so.13";

    [StructLayout(LayoutKind.Sequential)]
    public struct NfsStat64
    {
        public ulong Dev, Ino, Mode, Nlink, Uid, Gid, Rdev, Size, Blksize, Blocks;
        public ulong Atime, Mtime, Ctime, AtimeNsec, MtimeNsec, CtimeNsec, Used;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct NfsStatVfs64
    {
        public ulong Bsize, Frsize, Blocks, Bfree, Bavail, Files, Ffree, Favail, Fsid, Flag, Namemax;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeVal
    {
        public long Seconds, Microseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct NfsDirent
    {
        public IntPtr Next;
        public IntPtr Name;
        public ulong Inode;
        public uint Type, Mode;
        public ulong Size;
        public TimeVal Atime, Mtime, Ctime;
        public uint Uid, Gid, Nlink;
        public ulong Dev, Rdev, Blksize, Blocks, Used;
        public uint AtimeNsec, MtimeNsec, CtimeNsec;
    }

    [LibraryImport(Library, EntryPoint = "nfs_init_context")] public static partial IntPtr InitContext();
    [LibraryImport(Library, EntryPoint = "nfs_destroy_context")] public static partial void DestroyContext(IntPtr nfs);
    [LibraryImport(Library, EntryPoint = "nfs_get_error")] public static partial IntPtr GetError(IntPtr nfs);
    [LibraryImport(Library, EntryPoint = "nfs_set_timeout")] public static partial void SetTimeout(IntPtr nfs, int milliseconds);
    [LibraryImport(Library, EntryPoint = "nfs_set_uid")] public static partial void SetUid(IntPtr nfs, int uid);
    [LibraryImport(Library, EntryPoint = "nfs_set_gid")] public static partial void SetGid(IntPtr nfs, int gid);
    [LibraryImport(Library, EntryPoint = "nfs_set_version")] public static partial int SetVersion(IntPtr nfs, int version);
    [LibraryImport(Library, EntryPoint = "nfs_parse_url_dir", StringMarshalling = StringMarshalling.Utf8)] public static partial IntPtr ParseUrlDir(IntPtr nfs, string url);
    [LibraryImport(Library, EntryPoint = "nfs_destroy_url")] public static partial void DestroyUrl(IntPtr url);
    [LibraryImport(Library, EntryPoint = "nfs_mount", StringMarshalling = StringMarshalling.Utf8)] public static partial int Mount(IntPtr nfs, string server, string exportName);
    [LibraryImport(Library, EntryPoint = "nfs_umount")] public static partial int Umount(IntPtr nfs);
    [LibraryImport(Library, EntryPoint = "nfs_stat64", StringMarshalling = StringMarshalling.Utf8)] public static partial int Stat64(IntPtr nfs, string path, out NfsStat64 stat);
    [LibraryImport(Library, EntryPoint = "nfs_lstat64", StringMarshalling = StringMarshalling.Utf8)] public static partial int Lstat64(IntPtr nfs, string path, out NfsStat64 stat);
    [LibraryImport(Library, EntryPoint = "nfs_open", StringMarshalling = StringMarshalling.Utf8)] public static partial int Open(IntPtr nfs, string path, int flags, out IntPtr fh);
    [LibraryImport(Library, EntryPoint = "nfs_create", StringMarshalling = StringMarshalling.Utf8)] public static partial int Create(IntPtr nfs, string path, int flags, int mode, out IntPtr fh);
    [LibraryImport(Library, EntryPoint = "nfs_close")] public static partial int Close(IntPtr nfs, IntPtr fh);
    [LibraryImport(Library, EntryPoint = "nfs_pread")] public static partial int Pread(IntPtr nfs, IntPtr fh, ulong offset, ulong count, byte* buffer);
    [LibraryImport(Library, EntryPoint = "nfs_pwrite")] public static partial int Pwrite(IntPtr nfs, IntPtr fh, ulong offset, ulong count, byte* buffer);
    [LibraryImport(Library, EntryPoint = "nfs_fsync")] public static partial int Fsync(IntPtr nfs, IntPtr fh);
    [LibraryImport(Library, EntryPoint = "nfs_truncate", StringMarshalling = StringMarshalling.Utf8)] public static partial int Truncate(IntPtr nfs, string path, ulong length);
    [LibraryImport(Library, EntryPoint = "nfs_mkdir2", StringMarshalling = StringMarshalling.Utf8)] public static partial int Mkdir2(IntPtr nfs, string path, int mode);
    [LibraryImport(Library, EntryPoint = "nfs_rmdir", StringMarshalling = StringMarshalling.Utf8)] public static partial int Rmdir(IntPtr nfs, string path);
    [LibraryImport(Library, EntryPoint = "nfs_unlink", StringMarshalling = StringMarshalling.Utf8)] public static partial int Unlink(IntPtr nfs, string path);
    [LibraryImport(Library, EntryPoint = "nfs_mknod", StringMarshalling = StringMarshalling.Utf8)] public static partial int Mknod(IntPtr nfs, string path, int mode, int dev);
    [LibraryImport(Library, EntryPoint = "nfs_rename", StringMarshalling = StringMarshalling.Utf8)] public static partial int Rename(IntPtr nfs, string oldPath, string newPath);
    [LibraryImport(Library, EntryPoint = "nfs_link", StringMarshalling = StringMarshalling.Utf8)] public static partial int Link(IntPtr nfs, string oldPath, string newPath);
    [LibraryImport(Library, EntryPoint = "nfs_symlink", StringMarshalling = StringMarshalling.Utf8)] public static partial int Symlink(IntPtr nfs, string target, string linkPath);
    [LibraryImport(Library, EntryPoint = "nfs_readlink", StringMarshalling = StringMarshalling.Utf8)] public static partial int Readlink(IntPtr nfs, string path, byte* buffer, int size);
    [LibraryImport(Library, EntryPoint = "nfs_chmod", StringMarshalling = StringMarshalling.Utf8)] public static partial int Chmod(IntPtr nfs, string path, int mode);
    [LibraryImport(Library, EntryPoint = "nfs_chown", StringMarshalling = StringMarshalling.Utf8)] public static partial int Chown(IntPtr nfs, string path, int uid, int gid);
    [LibraryImport(Library, EntryPoint = "nfs_utimes", StringMarshalling = StringMarshalling.Utf8)] public static partial int Utimes(IntPtr nfs, string path, TimeVal* times);
    [LibraryImport(Library, EntryPoint = "nfs_access", StringMarshalling = StringMarshalling.Utf8)] public static partial int Access(IntPtr nfs, string path, int mode);
    [LibraryImport(Library, EntryPoint = "nfs_opendir", StringMarshalling = StringMarshalling.Utf8)] public static partial int Opendir(IntPtr nfs, string path, out IntPtr dir);
    [LibraryImport(Library, EntryPoint = "nfs_readdir")] public static partial NfsDirent* Readdir(IntPtr nfs, IntPtr dir);
    [LibraryImport(Library, EntryPoint = "nfs_closedir")] public static partial void Closedir(IntPtr nfs, IntPtr dir);
    [LibraryImport(Library, EntryPoint = "nfs_statvfs64", StringMarshalling = StringMarshalling.Utf8)] public static partial int StatVfs64(IntPtr nfs, string path, out NfsStatVfs64 stat);
}
