using System.Globalization;
using DittoFs.Benchmarks.Curves;

namespace DittoFs.Benchmarks.SharedServers;

/// <summary>
/// The configuration every server of the shared-servers mode runs: the postgres metadata store on one database and
/// the S3 content store on one bucket (the several-servers setup of README's "PostgreSQL metadata store"), share
/// <c>/export</c>, the store settings as shipped; logs at WARN, metrics and the portmapper off, as the other
/// benchmarked servers run.
/// </summary>
internal static class SharedServersConfig
{
    public const string Bucket = "dittofs-bench";

    public static string Yaml(string connectionString, string s3Endpoint, string accessKey, string secretKey) => string.Create(CultureInfo.InvariantCulture, $"""
        # DittoFs on PostgreSQL metadata and S3 content, for the shared-servers benchmarks
        {DittoFsServer.QuietSections}
        metadata:
          stores:
            meta:
              type: postgres
              postgres:
                connection_string: "{connectionString}"
        content:
          stores:
            s3:
              type: s3
              s3:
                endpoint: "http://{s3Endpoint}"
                bucket: {Bucket}
                access_key: {accessKey}
                secret_key: {secretKey}
        shares:
          - name: /export
            metadata_store: meta
            content_store: s3

        """);
}
