using System.Text;
using NUnit.Framework;

namespace DittoFs.Storage.RocksDb.Tests;

/// <summary>
/// Walks a share's tree through the public API and checks that the store agrees with itself: every listed entry
/// is found by LOOKUP under its name, a directory has one name, ".." leads back, directory link counts are 2 plus
/// their subdirectories, other objects' link counts are their number of names, and the file count matches the
/// objects reachable. What a crash must never break.
/// </summary>
internal static class TreeAudit
{
    /// <summary>Checks the tree under <paramref name="root"/> (the store's only share); returns every path ("/a/b") with its attributes.</summary>
    public static async Task<Dictionary<string, InodeAttributes>> CheckAsync(IMetadataStore store, FileRef root)
    {
        var auth = AuthContext.Root();
        var paths = new Dictionary<string, InodeAttributes>(StringComparer.Ordinal);
        var names = new Dictionary<ulong, (InodeAttributes Attributes, int Names)>();
        var directories = new Queue<(FileRef Directory, string Path)>();
        directories.Enqueue((root, ""));
        names[root.FileId] = ((await store.GetAttributesAsync(root)).Value, 1);
        while (directories.TryDequeue(out var current))
        {
            int subdirectories = 0;
            foreach (var entry in await ListAllAsync(store, current.Directory))
            {
                string path = $"{current.Path}/{Encoding.UTF8.GetString(entry.Name.Span)}";
                var found = await store.LookupAsync(auth, current.Directory, entry.Name);
                Assert.That(found.Status, Is.EqualTo(StoreStatus.Ok), $"lookup {path}");
                Assert.That(found.Value.File.FileId, Is.EqualTo(entry.Attributes.FileId), $"{path}: LOOKUP and READDIR agree");
                paths[path] = found.Value.File;
                var seen = names.GetValueOrDefault(entry.Attributes.FileId, (Attributes: found.Value.File, Names: 0));
                names[entry.Attributes.FileId] = (found.Value.File, seen.Names + 1);
                if (entry.Attributes.Type == FileType.Directory)
                {
                    subdirectories++;
                    Assert.That(seen.Names, Is.Zero, $"{path}: a directory has one name");
                    var parent = await store.LookupAsync(auth, entry.Attributes.Ref, ".."u8.ToArray());
                    Assert.That(parent.Value.File.Ref, Is.EqualTo(current.Directory), $"{path}/.. is its parent");
                    directories.Enqueue((entry.Attributes.Ref, path));
                }
            }
            var attributes = (await store.GetAttributesAsync(current.Directory)).Value;
            Assert.That(attributes.LinkCount, Is.EqualTo(2 + subdirectories), $"link count of directory '{current.Path}'");
        }
        foreach (var (id, (attributes, count)) in names.Where(pair => pair.Value.Attributes.Type != FileType.Directory))
        {
            Assert.That(attributes.LinkCount, Is.EqualTo(count), $"link count of file {id}");
        }
        var stats = (await store.GetFileCountStatsAsync()).Value;
        Assert.That(stats.TotalFiles - stats.FreeFiles, Is.EqualTo((ulong)names.Count), "file count: objects reachable from the root");
        return paths;
    }

    public static async Task<List<DirectoryEntry>> ListAllAsync(IMetadataStore store, FileRef directory, int pageSize = 64)
    {
        var all = new List<DirectoryEntry>();
        var page = new DirectoryEntry[pageSize];
        ulong cookie = DirectoryCookie.Start;
        ulong verifier = 0;
        while (true)
        {
            var read = await store.ReadDirectoryAsync(AuthContext.Root(), directory, cookie, verifier, page);
            Assert.That(read.Status, Is.EqualTo(StoreStatus.Ok), $"readdir of {directory} after {cookie}");
            all.AddRange(page.Take(read.Value.Count));
            if (read.Value.EndOfDirectory)
            {
                return all;
            }
            cookie = page[read.Value.Count - 1].Cookie;
            verifier = read.Value.CookieVerifier;
        }
    }
}
