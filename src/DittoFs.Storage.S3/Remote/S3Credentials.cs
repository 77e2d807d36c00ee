namespace DittoFs.Storage.S3.Remote;

/// <summary>The key pair requests are signed with.</summary>
internal readonly record struct S3Credentials(string AccessKey, string SecretKey);
