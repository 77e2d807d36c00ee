using DittoFs.Server;
using DittoFs.Server.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Server.Tests;

/// <summary>The postgres metadata store in a configuration file: its keys, the errors that name them, and where the password comes from.</summary>
public sealed class PostgresStoreConfigTests
{
    private const string Config = """
        metadata:
          stores:
            shared-meta:
              type: postgres
              postgres:
                connection_string: "Host=db.example;Database=dittofs;Username=ditto"
                password_env: DITTOFS_TEST_PG_PASSWORD
                max_pool_size: 8
                statement_timeout: 10s
        content:
          stores:
            content: { type: memory }
        shares:
          - name: /shared
            metadata_store: shared-meta
            content_store: content
        """;

    private static readonly StoreTypes Types = new(["memory", "rocksdb", "postgres"], ["memory"]);

    [Test]
    public void The_server_offers_the_postgres_type() =>
        Assert.That(StoreRegistry.AvailableTypes.Metadata, Does.Contain("postgres"));

    [Test]
    public void A_postgres_store_loads_with_its_keys()
    {
        var postgres = ConfigLoader.Load(Config, Types).Metadata.Stores["shared-meta"].Postgres!;

        Assert.That(postgres.ConnectionString, Is.EqualTo("Host=db.example;Database=dittofs;Username=ditto"));
        Assert.That((postgres.PasswordEnv, postgres.PasswordFile, postgres.MaxPoolSize, postgres.StatementTimeout),
            Is.EqualTo(("DITTOFS_TEST_PG_PASSWORD", (string?)null, 8, "10s")));
    }

    [Test]
    public void A_postgres_store_without_a_connection_string_is_an_error_at_its_key()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(
            Config.Replace("        connection_string: \"Host=db.example;Database=dittofs;Username=ditto\"\n", ""), Types))!;

        Assert.That(error.Key, Is.EqualTo("metadata.stores.shared-meta.postgres.connection_string"));
        Assert.That(error.Line, Is.EqualTo(6), "where the postgres block's settings start");
    }

    [TestCase("Host=x;Colour=blue", "connection_string", 6)]
    public void A_connection_string_npgsql_refuses_is_an_error_at_its_line(string connectionString, string key, int line)
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(
            Config.Replace("Host=db.example;Database=dittofs;Username=ditto", connectionString), Types))!;

        Assert.That(error.Key, Is.EqualTo($"metadata.stores.shared-meta.postgres.{key}"));
        Assert.That(error.Line, Is.EqualTo(line));
        Assert.That(error.Problem, Does.Contain("colour"));
    }

    [TestCase("max_pool_size: 8", "max_pool_size: 0", "max_pool_size", 8)]
    [TestCase("statement_timeout: 10s", "statement_timeout: soon", "statement_timeout", 9)]
    [TestCase("statement_timeout: 10s", "statement_timeout: 10s\n        lock_lease: 500ms", "lock_lease", 10)]
    [TestCase("password_env: DITTOFS_TEST_PG_PASSWORD", "password_env: X\n        password_file: /run/secrets/pg", "password_file", 8)]
    public void A_bad_postgres_setting_is_an_error_at_its_line(string setting, string replacement, string key, int line)
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(Config.Replace(setting, replacement), Types))!;

        Assert.That(error.Key, Is.EqualTo($"metadata.stores.shared-meta.postgres.{key}"));
        Assert.That(error.Line, Is.EqualTo(line));
    }

    [Test]
    public async Task A_password_environment_variable_that_is_not_set_stops_the_start_naming_its_key()
    {
        var config = ConfigLoader.Load(Config.Replace("DITTOFS_TEST_PG_PASSWORD", "DITTOFS_TEST_PG_PASSWORD_NOT_SET"), Types);

        var failure = (await Assert.ThrowsAsync<StartupException>(() => StoreRegistry.CreateAsync(config)))!;

        Assert.That(failure.Key, Is.EqualTo("metadata.stores.shared-meta.postgres.password_env"));
        Assert.That(failure.Problem, Does.Contain("DITTOFS_TEST_PG_PASSWORD_NOT_SET"));
    }

    [Test]
    public void The_password_comes_from_a_file_without_its_trailing_newline()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "from-a-file\n");
            var postgres = ConfigLoader.Load(Config.Replace("password_env: DITTOFS_TEST_PG_PASSWORD", $"password_file: {file}"), Types).Metadata.Stores["shared-meta"].Postgres!;

            var options = StoreRegistry.PostgresOptions("shared-meta", postgres, NullLoggerFactory.Instance);

            Assert.That(options.Password, Is.EqualTo("from-a-file"));
            Assert.That(options.MaxPoolSize, Is.EqualTo(8));
            Assert.That(options.StatementTimeout, Is.EqualTo(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public async Task A_database_that_cannot_be_reached_stops_the_start_naming_it_and_the_key_without_the_password()
    {
        Environment.SetEnvironmentVariable("DITTOFS_TEST_PG_PASSWORD", "s3cret-pw");
        try
        {
            // Port 1 on loopback: nothing listens there, the connection is refused at once.
            var config = ConfigLoader.Load(Config.Replace("Host=db.example", "Host=127.0.0.1;Port=1;Timeout=3"), Types);

            var failure = (await Assert.ThrowsAsync<StartupException>(() => StoreRegistry.CreateAsync(config)))!;

            Assert.That(failure.Key, Is.EqualTo("metadata.stores.shared-meta.postgres.connection_string"));
            Assert.That(failure.Message, Does.Contain("'dittofs' at 127.0.0.1:1").And.Not.Contain("s3cret"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("DITTOFS_TEST_PG_PASSWORD", null);
        }
    }
}
