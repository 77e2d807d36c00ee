namespace DittoFs.Storage;

/// <summary>The major and minor number of a block or character device (specdata3, RFC 1813 §2.5).</summary>
public readonly record struct DeviceNumber(uint Major, uint Minor);
