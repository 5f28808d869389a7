using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace MonoBiomech.Commands.Loading;

/// <summary>
/// The module's private load context: the engine and every managed dependency (ONNX Runtime, OpenCvSharp, MathNet,
/// System.Numerics.Tensors) load from <c>Dependencies/</c>, so another module's copy in the default context cannot
/// replace ours; native libraries load by full path from <c>Dependencies/runtimes/&lt;rid&gt;/native/</c>, which also
/// avoids a stray system-wide onnxruntime and OpenCvSharp's search-path attribute that ignores the module folder.
/// The contract (MonoBiomech.Contracts) is never loaded here: it comes from the default context, where PowerShell loaded
/// it from the module root (RequiredAssemblies), so the engine, the cmdlets and scripts see one type identity.
/// </summary>
internal sealed class ModuleLoadContext : AssemblyLoadContext
{
    private const string ContractsAssemblyName = "MonoBiomech.Contracts";

    private readonly string _dependencyDirectory;
    private readonly string _nativeDirectory;

    public ModuleLoadContext(string dependencyDirectory)
        : base("MonoBiomech", isCollectible: false)
    {
        _dependencyDirectory = dependencyDirectory;
        _nativeDirectory = Path.Combine(dependencyDirectory, "runtimes", CurrentRuntimeIdentifier(), "native");
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // null: resolved by the default context. The contract is shared, even if a copy lies in Dependencies/.
        if (string.Equals(assemblyName.Name, ContractsAssemblyName, StringComparison.Ordinal))
            return null;
        // Anything not shipped in Dependencies/ (the framework itself) comes from the default context.
        string candidate = Path.Combine(_dependencyDirectory, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        foreach (string fileName in NativeFileNames(unmanagedDllName))
        {
            string candidate = Path.Combine(_nativeDirectory, fileName);
            if (File.Exists(candidate))
                return LoadUnmanagedDllFromPath(candidate);
        }
        return IntPtr.Zero;
    }

    /// <summary>The portable runtime identifier NuGet uses for native assets, for example linux-x64 or win-arm64.</summary>
    internal static string CurrentRuntimeIdentifier()
    {
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        string architecture = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.X86 => "x86",
            Architecture.Arm64 => "arm64",
            Architecture.Arm => "arm",
            var other => other.ToString().ToLowerInvariant(),
        };
        return os + "-" + architecture;
    }

    /// <summary>The file names a DllImport name can have on this platform ("onnxruntime" -> libonnxruntime.so ...).</summary>
    private static IEnumerable<string> NativeFileNames(string name)
    {
        yield return name;
        if (OperatingSystem.IsWindows())
        {
            yield return name + ".dll";
            yield break;
        }
        string extension = OperatingSystem.IsMacOS() ? ".dylib" : ".so";
        yield return name + extension;
        if (!name.StartsWith("lib", StringComparison.Ordinal))
            yield return "lib" + name + extension;
    }
}
