using DittoFs.Storage.S3.Tests.Infrastructure;

namespace DittoFs.EndToEnd;

/// <summary>
/// What the end-to-end tests on S3 content run: an s3rver of their own under a test's data directory, and a
/// configuration of RocksDB metadata there with content in a bucket of it, shared as <c>/export</c>.
/// </summary>
internal static class S3TestConfig
{
    /// <summary>Starts s3rver (installed from npm when missing) keeping its objects under <paramref name="data"/>.</summary>
    public static S3rverProcess StartS3rver(string data) =>
        S3rverProcess.Start(S3rverInstallation.EnsureInstalled(RepositoryRoot.Find()), Directory.CreateDirectory(Path.Combine(data, "s3rver")).FullName);

    /// <summary>
    /// Writes the configuration into <paramref name="data"/> and returns its path: the S3 store's keys are the endpoint,
    /// the bucket, s3rver's credentials and <paramref name="settings"/> (more keys of the store, YAML flow style);
    /// <paramref name="share"/> adds keys to the share.
    /// </summary>
    public static string Write(string data, string endpoint, string bucket, string settings = "", string share = "", string file = "dittofs.yaml")
    {
        string config = Path.Combine(data, file);
        string more = settings.Length == 0 ? "" : ", " + settings;
        File.WriteAllText(config, $$"""
            metadata:
              stores:
                meta: { type: rocksdb, rocksdb: { db_path: {{data}}/metadata } }
            content:
              stores:
                s3:
                  type: s3
                  s3: { endpoint: "http://{{endpoint}}", bucket: {{bucket}}, access_key: {{S3rverProcess.AccessKey}}, secret_key: {{S3rverProcess.SecretKey}}{{more}} }
            shares:
              - name: /export
                metadata_store: meta
                content_store: s3
            {{(share.Length == 0 ? "" : "    " + share)}}
            """);
        return config;
    }
}
