using System.Net;
using DittoFs.Storage;
using System.Text;
using System.Text.Json;

namespace DittoFs.Nfs.Nsm;

/// <summary>A host the status monitor watches: as the lock manager asked (<see cref="Local"/>) and/or for SM_MON callers.</summary>
internal sealed record MonitoredHost(string Name, IPAddress? Address, bool Local, IReadOnlyList<Registrant> Registrants);

/// <summary>An SM_MON caller's my_id and priv: whom to call back, with what, when the host reboots.</summary>
internal sealed record Registrant(string MyName, int Program, int Version, int Procedure, byte[] Priv)
{
    public bool SameId(Registrant other) =>
        MyName == other.MyName && Program == other.Program && Version == other.Version && Procedure == other.Procedure;
}

/// <summary>
/// The status monitor's stable storage: <c>state</c> (the state number, decimal text) and <c>monitors.json</c> (the
/// monitor list) in one directory. Each file is replaced whole: written to a temporary name, fsynced, renamed over
/// the old one, and the directory fsynced, so a crash leaves either the old or the new file, never half of one. With
/// no directory, nothing is stored (memory-only configurations).
/// </summary>
internal sealed class NsmStateStore(string? directory)
{
    private const string StateFile = "state";
    private const string MonitorsFile = "monitors.json";

    public string? Directory => directory;

    public int ReadState()
    {
        if (directory is null)
            return 0;
        string path = Path.Combine(directory, StateFile);
        if (!File.Exists(path))
            return 0;
        string text = File.ReadAllText(path).Trim();
        return int.TryParse(text, out int state) ? state : throw new InvalidDataException($"NSM state file {path} holds '{text}', not a number");
    }

    public void WriteState(int state)
    {
        if (directory is not null)
            Replace(StateFile, Encoding.ASCII.GetBytes(state + "\n"));
    }

    public List<MonitoredHost> ReadMonitors()
    {
        var hosts = new List<MonitoredHost>();
        if (directory is null)
            return hosts;
        string path = Path.Combine(directory, MonitorsFile);
        if (!File.Exists(path))
            return hosts;
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        foreach (var host in document.RootElement.EnumerateArray())
        {
            string? address = host.GetProperty("address").GetString();
            var registrants = host.GetProperty("registrants").EnumerateArray().Select(r => new Registrant(
                r.GetProperty("my_name").GetString()!, r.GetProperty("prog").GetInt32(), r.GetProperty("vers").GetInt32(),
                r.GetProperty("proc").GetInt32(), r.GetProperty("priv").GetBytesFromBase64())).ToList();
            hosts.Add(new MonitoredHost(host.GetProperty("name").GetString()!, address is null ? null : IPAddress.Parse(address),
                host.GetProperty("local").GetBoolean(), registrants));
        }
        return hosts;
    }

    public void WriteMonitors(IEnumerable<MonitoredHost> hosts)
    {
        if (directory is null)
            return;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            foreach (var host in hosts)
            {
                json.WriteStartObject();
                json.WriteString("name", host.Name);
                json.WriteString("address", host.Address?.ToString());
                json.WriteBoolean("local", host.Local);
                json.WriteStartArray("registrants");
                foreach (var registrant in host.Registrants)
                {
                    json.WriteStartObject();
                    json.WriteString("my_name", registrant.MyName);
                    json.WriteNumber("prog", registrant.Program);
                    json.WriteNumber("vers", registrant.Version);
                    json.WriteNumber("proc", registrant.Procedure);
                    json.WriteBase64String("priv", registrant.Priv);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        Replace(MonitorsFile, buffer.ToArray());
    }

    private void Replace(string name, byte[] content) => DirectorySync.ReplaceFile(directory!, name, content);
}
