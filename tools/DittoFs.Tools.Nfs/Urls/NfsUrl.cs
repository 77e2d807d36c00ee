using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DittoFs.Tools.Nfs.Urls;

/// <summary>
/// An NFS URL in libnfs's form, so the same strings work with nfs-ls, nfs-cp and ditto-nfs:
/// <c>nfs://[user@]host[:port]/path[?version=3&amp;nfsport=P&amp;mountport=P&amp;uid=U&amp;gid=G]</c>.
/// <c>version=4.1</c> asks for NFSv4.1 (which only <c>bench</c> speaks; the path is then one of the server's
/// NFSv4 namespace, walked from its root).
/// The URL does not say where the export ends and the path inside it begins; <see cref="Session.NfsSession"/>
/// finds that out from the server. The authority's port is the NFS port (as in libnfs); a user name is
/// accepted and ignored (libnfs ignores it too). libnfs's other tuning arguments (readahead, debug, ...) are
/// accepted and ignored; any other argument is an error, so a typo such as <c>nfsprot</c> does not silently
/// fall back to the portmapper.
/// </summary>
internal sealed record NfsUrl
{
    private const string Scheme = "nfs://";

    /// <summary>libnfs URL arguments that tune libnfs itself and mean nothing to ditto-nfs.</summary>
    private static readonly HashSet<string> IgnoredArguments = new(StringComparer.Ordinal)
    {
        "readahead", "pagecache", "debug", "auto-traverse-mounts", "dircache", "autoreconnect", "if",
        "tcp-syncnt", "timeout", "retrans", "sec", "xprtsec", "rsize", "wsize", "readdir-buffer", "mountproto",
    };

    /// <summary>The host name or address as written (an IPv6 address without its brackets).</summary>
    public required string Host { get; init; }

    /// <summary>The port in the authority (<c>host:port</c>), which libnfs takes as the NFS port.</summary>
    public int? Port { get; init; }

    /// <summary>The absolute path, percent-decoded and normalised: no empty or "." components, no trailing slash; "/" for the root.</summary>
    public required string Path { get; init; }

    /// <summary>The <c>version</c> argument: the NFS version spoken (3 unless the URL says 4.1).</summary>
    public NfsVersion Version { get; init; } = NfsVersion.V3;

    /// <summary>The <c>nfsport</c> argument: the NFS program's port, so the portmapper is not asked.</summary>
    public int? NfsPort { get; init; }

    /// <summary>The <c>mountport</c> argument: the MOUNT program's port, so the portmapper is not asked.</summary>
    public int? MountPort { get; init; }

    /// <summary>The <c>uid</c> argument: the AUTH_SYS uid sent (default: this process's).</summary>
    public uint? Uid { get; init; }

    /// <summary>The <c>gid</c> argument: the AUTH_SYS gid sent (default: this process's).</summary>
    public uint? Gid { get; init; }

    /// <summary>The NFS port the URL names, by <c>nfsport</c> or in the authority; null means "ask the portmapper".</summary>
    public int? ExplicitNfsPort => NfsPort ?? Port;

    /// <summary>The path's components, in order; empty for the root.</summary>
    public string[] Components => Path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The last component (the name of the file the URL names), or "" for the root.</summary>
    public string Name => ServerPath.Name(Path);

    /// <summary>Whether <paramref name="other"/> names the same server with the same ports and identity.</summary>
    public bool SameServerAs(NfsUrl other) =>
        string.Equals(Host, other.Host, StringComparison.OrdinalIgnoreCase)
        && ExplicitNfsPort == other.ExplicitNfsPort && MountPort == other.MountPort && Uid == other.Uid && Gid == other.Gid;

    /// <summary>This URL with another path (already normalised by the caller or by <see cref="NormalisePath"/>).</summary>
    public NfsUrl WithPath(string path) => this with { Path = NormalisePath(path, path) };

    public static bool TryParse(string text, out NfsUrl? url, out string? error)
    {
        try
        {
            url = Parse(text);
            error = null;
            return true;
        }
        catch (NfsUrlException exception)
        {
            url = null;
            error = exception.Reason;
            return false;
        }
    }

    /// <summary>Parses <paramref name="text"/> or throws <see cref="NfsUrlException"/> saying what is wrong.</summary>
    public static NfsUrl Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            throw new NfsUrlException(text, "it must start with nfs://");
        if (text.Contains('#'))
            throw new NfsUrlException(text, "an NFS URL has no #fragment");
        string rest = text[Scheme.Length..];
        int queryStart = rest.IndexOf('?');
        string query = queryStart < 0 ? "" : rest[(queryStart + 1)..];
        string beforeQuery = queryStart < 0 ? rest : rest[..queryStart];
        int pathStart = beforeQuery.IndexOf('/');
        string authority = pathStart < 0 ? beforeQuery : beforeQuery[..pathStart];
        string rawPath = pathStart < 0 ? "/" : beforeQuery[pathStart..];

        var (host, port) = ParseAuthority(text, authority);
        var url = new NfsUrl { Host = host, Port = port, Path = NormalisePath(text, Decode(text, rawPath)) };
        return ApplyArguments(text, url, query);
    }

    private static (string Host, int? Port) ParseAuthority(string text, string authority)
    {
        int at = authority.LastIndexOf('@');
        if (at >= 0)
            authority = authority[(at + 1)..]; // user@: accepted and ignored, as libnfs does
        if (authority.Length == 0)
            throw new NfsUrlException(text, "the host is missing (nfs://HOST/export)");

        string host;
        string? portText = null;
        if (authority[0] == '[')
        {
            int close = authority.IndexOf(']');
            if (close < 0)
                throw new NfsUrlException(text, "an IPv6 address needs a closing ']'");
            host = authority[1..close];
            if (!IPAddress.TryParse(host, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
                throw new NfsUrlException(text, $"'{host}' is not an IPv6 address");
            string after = authority[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':')
                    throw new NfsUrlException(text, "only ':PORT' may follow an IPv6 address");
                portText = after[1..];
            }
        }
        else
        {
            int colon = authority.IndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
            if (colon >= 0)
                portText = authority[(colon + 1)..];
            if (host.Length == 0)
                throw new NfsUrlException(text, "the host is missing (nfs://HOST/export)");
            foreach (char c in host)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))
                    throw new NfsUrlException(text, $"'{host}' is not a host name or IPv4 address");
            }
        }
        return (host, portText is null ? null : ParsePort(text, "port", portText));
    }

    private static NfsUrl ApplyArguments(string text, NfsUrl url, string query)
    {
        foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=');
            if (equals <= 0)
                throw new NfsUrlException(text, $"argument '{pair}' is not NAME=VALUE");
            string name = pair[..equals];
            string value = Decode(text, pair[(equals + 1)..]);
            url = name switch
            {
                "version" => value switch
                {
                    "3" => url with { Version = NfsVersion.V3 },
                    "4.1" => url with { Version = NfsVersion.V41 },
                    _ => throw new NfsUrlException(text, $"version={value}: ditto-nfs speaks NFS version 3, and 4.1 in bench (version=3 or version=4.1)"),
                },
                "nfsport" => url with { NfsPort = ParsePort(text, name, value) },
                "mountport" => url with { MountPort = ParsePort(text, name, value) },
                "uid" => url with { Uid = ParseId(text, name, value) },
                "gid" => url with { Gid = ParseId(text, name, value) },
                _ when IgnoredArguments.Contains(name) => url,
                _ => throw new NfsUrlException(text, $"unknown argument '{name}' (known: version, nfsport, mountport, uid, gid)"),
            };
        }
        return url;
    }

    private static int ParsePort(string text, string name, string value)
    {
        if (value.Length == 0 || !value.All(char.IsAsciiDigit)
            || !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            throw new NfsUrlException(text, $"{name} '{value}' is not a port number (1-65535)");
        return port;
    }

    private static uint ParseId(string text, string name, string value)
    {
        if (value.Length == 0 || !value.All(char.IsAsciiDigit) || !uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out uint id))
            throw new NfsUrlException(text, $"{name} '{value}' is not a number (0-4294967295)");
        return id;
    }

    private static string Decode(string text, string value)
    {
        if (!value.Contains('%'))
            return value;
        // Decode to bytes first: a name may be any UTF-8 sequence, and a bad escape is an error rather than kept.
        var bytes = new List<byte>(value.Length);
        int literalStart = 0;
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] != '%')
                continue;
            bytes.AddRange(Encoding.UTF8.GetBytes(value[literalStart..i]));
            if (i + 2 >= value.Length || !byte.TryParse(value.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
                throw new NfsUrlException(text, $"bad percent escape at '{value[i..Math.Min(value.Length, i + 3)]}'");
            bytes.Add(b);
            i += 2;
            literalStart = i + 1;
        }
        bytes.AddRange(Encoding.UTF8.GetBytes(value[literalStart..]));
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static string NormalisePath(string text, string path)
    {
        var parts = new List<string>();
        foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
                continue;
            if (part == "..")
                throw new NfsUrlException(text, "'..' is not allowed in the path");
            if (part.Contains('\0'))
                throw new NfsUrlException(text, "the path contains a NUL character");
            parts.Add(part);
        }
        return "/" + string.Join('/', parts);
    }

    /// <summary>The URL in canonical form (what error messages show).</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Scheme);
        text.Append(Host.Contains(':') ? $"[{Host}]" : Host);
        if (Port is int port)
            text.Append(':').Append(port.ToString(CultureInfo.InvariantCulture));
        text.Append(Path);
        var arguments = new List<string>();
        if (Version == NfsVersion.V41)
            arguments.Add("version=4.1");
        if (NfsPort is int nfsPort)
            arguments.Add($"nfsport={nfsPort}");
        if (MountPort is int mountPort)
            arguments.Add($"mountport={mountPort}");
        if (Uid is uint uid)
            arguments.Add($"uid={uid}");
        if (Gid is uint gid)
            arguments.Add($"gid={gid}");
        if (arguments.Count > 0)
            text.Append('?').Append(string.Join('&', arguments));
        return text.ToString();
    }
}
