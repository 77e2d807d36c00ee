namespace DittoFs.Server.Configuration;

/// <summary>The embedded configuration used when no file is given: one share, /export.</summary>
public static class DefaultConfig
{
    public const string ShareName = "/export";

    public static DittoConfig Create() => new()
    {
        Metadata = new() { Stores = { ["default-meta"] = new MetadataStoreConfig { Type = "memory" } } },
        Content = new() { Stores = { ["default-content"] = new ContentStoreConfig { Type = "memory" } } },
        Shares = { new ShareConfig { Name = ShareName, MetadataStore = "default-meta", ContentStore = "default-content" } },
    };
}
