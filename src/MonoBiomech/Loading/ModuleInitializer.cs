using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace MonoBiomech.Commands.Loading;

/// <summary>
/// Runs when PowerShell imports or removes the module. It bridges the one isolated assembly the cmdlets reference,
/// MonoBiomech.Engine, from the default load context to the module's own <see cref="ModuleLoadContext"/>;
/// everything the engine needs then resolves inside that context, except the contract (MonoBiomech.Contracts), which
/// PowerShell has already loaded into the default context from the manifest's RequiredAssemblies.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private const string EngineAssemblyName = "MonoBiomech.Engine";

    // OnImport/OnRemove run for every Import-Module/Remove-Module (each runspace); the default context is hooked
    // while at least one runspace has the module imported.
    private static int s_importCount;

    internal static string ModuleDirectory { get; } = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;

    private static readonly Lazy<ModuleLoadContext> s_loadContext = new(() =>
        new ModuleLoadContext(Path.Combine(ModuleDirectory, "Dependencies")));

    public void OnImport()
    {
        if (Interlocked.Increment(ref s_importCount) == 1)
            AssemblyLoadContext.Default.Resolving += ResolveEngine;
    }

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        if (Interlocked.Decrement(ref s_importCount) == 0)
            AssemblyLoadContext.Default.Resolving -= ResolveEngine;
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext defaultContext, AssemblyName assemblyName) =>
        string.Equals(assemblyName.Name, EngineAssemblyName, StringComparison.Ordinal)
            ? s_loadContext.Value.LoadFromAssemblyName(assemblyName)
            : null;
}
