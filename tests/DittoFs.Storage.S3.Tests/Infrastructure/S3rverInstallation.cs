using System.Diagnostics;
using System.Text.Json;

namespace DittoFs.Storage.S3.Tests.Infrastructure;

/// <summary>
/// s3rver (a real S3 server, from npm) installed once into the git-ignored <c>.s3rver/</c> folder of the repository
/// and patched there. Test processes running at the same time serialise on a lock file, so npm never runs twice
/// into the same folder.
/// </summary>
internal static class S3rverInstallation
{
    public const string Version = "3.7.1";

    // s3rver 3.7.1 answers ListObjects (and a few other requests) in the XML namespace
    // http://doc.s3.amazonaws.com/2006-03-01/, which is not S3's. The Minio SDK's strict parser then finds no
    // elements and reads every listing as empty, so truncation and deletion would see no objects to remove.
    // The controllers are corrected in place after install.
    private const string WrongNamespace = "http://doc.s3.amazonaws.com/2006-03-01/";
    private const string S3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

    // s3rver 3.7.1 acknowledges a PUT before the object is written, and writes it in place: see S3rverAtomicPut.js.
    private const string AtomicPutResource = "DittoFs.Storage.S3.Tests.S3rverAtomicPut.js";
    private const string AtomicPutMarker = "// DittoFs patch: atomic PUT.";
    private const string FilesystemStoreEnd = "module.exports = FilesystemStore;";

    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Installs and patches s3rver when needed; returns the path of its launcher for <c>node</c>.</summary>
    public static string EnsureInstalled(string repositoryRoot)
    {
        var folder = Path.Combine(repositoryRoot, ".s3rver");
        Directory.CreateDirectory(folder);
        using (AcquireLock(Path.Combine(folder, "install.lock")))
        {
            var package = Path.Combine(folder, "node_modules", "s3rver");
            if (InstalledVersion(package) != Version)
            {
                Install(folder);
            }
            PatchNamespace(Path.Combine(package, "lib", "controllers"));
            PatchAtomicPut(Path.Combine(package, "lib", "stores", "filesystem.js"));
        }
        return Path.Combine(folder, "node_modules", ".bin", "s3rver");
    }

    private static string? InstalledVersion(string package)
    {
        var manifest = Path.Combine(package, "package.json");
        if (!File.Exists(manifest))
        {
            return null;
        }
        using var json = JsonDocument.Parse(File.ReadAllText(manifest));
        return json.RootElement.TryGetProperty("version", out var version) ? version.GetString() : null;
    }

    private static void Install(string folder)
    {
        var npm = new ProcessStartInfo("npm")
        {
            ArgumentList = { "install", "--prefix", folder, "--no-audit", "--no-fund", $"s3rver@{Version}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(npm) ?? throw new InvalidOperationException("npm did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(InstallTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"npm install s3rver@{Version} took longer than {InstallTimeout}.");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm install s3rver@{Version} failed ({process.ExitCode}):\n{output.Result}\n{errors.Result}");
        }
    }

    private static void PatchNamespace(string controllers)
    {
        foreach (var file in Directory.EnumerateFiles(controllers, "*.js"))
        {
            var text = File.ReadAllText(file);
            if (text.Contains(WrongNamespace, StringComparison.Ordinal))
            {
                File.WriteAllText(file, text.Replace(WrongNamespace, S3Namespace, StringComparison.Ordinal));
            }
        }
    }

    /// <summary>
    /// Appends <c>S3rverAtomicPut.js</c> (an embedded resource) to s3rver's filesystem store, replacing an earlier
    /// version of it: s3rver 3.7.1 writes objects in place and acknowledges a PUT before the bytes are in the file,
    /// so a GET during or just after a PUT can see a short object, which real S3 never shows (see the script).
    /// </summary>
    private static void PatchAtomicPut(string filesystemStore)
    {
        string patch;
        using (var resource = typeof(S3rverInstallation).Assembly.GetManifestResourceStream(AtomicPutResource)
            ?? throw new InvalidOperationException($"Embedded resource {AtomicPutResource} is missing."))
        using (var reader = new StreamReader(resource))
        {
            patch = reader.ReadToEnd().ReplaceLineEndings("\n");
        }
        var text = File.ReadAllText(filesystemStore);
        int patched = text.IndexOf(AtomicPutMarker, StringComparison.Ordinal);
        var original = (patched >= 0 ? text[..patched] : text).TrimEnd();
        if (!original.EndsWith(FilesystemStoreEnd, StringComparison.Ordinal) || !patch.StartsWith(AtomicPutMarker, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{filesystemStore} does not look like s3rver {Version}'s filesystem store; the atomic PUT patch does not apply.");
        }
        var wanted = original + "\n\n" + patch;
        if (text != wanted)
        {
            File.WriteAllText(filesystemStore, wanted);
        }
    }

    private static FileStream AcquireLock(string path)
    {
        var deadline = DateTime.UtcNow + InstallTimeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(200);
            }
        }
    }
}
