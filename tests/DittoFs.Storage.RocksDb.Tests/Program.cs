namespace DittoFs.Storage.RocksDb.Tests;

/// <summary>
/// The test assembly's entry point (the test SDK would otherwise generate an empty one). Test runners load the
/// assembly without calling it; <see cref="CrashTests"/> starts the assembly as a process with arguments to run
/// <see cref="CrashWriter"/> in it, and kills it.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is [CrashWriter.Command, var path])
        {
            await CrashWriter.RunAsync(path);
            return 0;
        }
        await Console.Error.WriteLineAsync($"usage: {CrashWriter.Command} DIRECTORY (used by the crash tests)");
        return 2;
    }
}
