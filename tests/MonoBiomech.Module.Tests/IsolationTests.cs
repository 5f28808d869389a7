using System.Reflection;
using System.Runtime.Loader;
using MonoBiomech.Engine.Tests.TestSupport;

namespace MonoBiomech.Module.Tests;

/// <summary>
/// The engine and its dependencies live in the module's own AssemblyLoadContext and load their natives from the
/// module folder, so a different MathNet (or OpenCvSharp, ONNX Runtime) in the default context cannot break them.
/// The contract (MonoBiomech.Contracts) is not isolated: one copy in the default context serves the engine and scripts.
/// </summary>
public sealed class IsolationTests
{
    // Touches the engine (the session cache) so the module's load context exists, then returns it.
    private const string ModuleContextScript = """
        $null = Get-MonoBiomechCache
        $engine = [AppDomain]::CurrentDomain.GetAssemblies().Where({ $_.GetName().Name -eq 'MonoBiomech.Engine' })[0]
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine)
        """;

    [Fact]
    public void EngineAndDependenciesLoadInTheModulesContextFromItsFolder()
    {
        using var host = HostedModule.Import();
        var context = (AssemblyLoadContext)host.Run(ModuleContextScript)[0].BaseObject;

        Assert.NotSame(AssemblyLoadContext.Default, context);
        Assert.Equal("MonoBiomech", context.Name);
        string dependencies = Path.Combine(HostedModule.ModuleDirectory, "Dependencies") + Path.DirectorySeparatorChar;
        foreach (string name in new[] { "MonoBiomech.Engine", "OpenCvSharp", "Microsoft.ML.OnnxRuntime", "MathNet.Numerics" })
        {
            Assembly assembly = context.LoadFromAssemblyName(new AssemblyName(name));
            Assert.Same(context, AssemblyLoadContext.GetLoadContext(assembly));
            Assert.StartsWith(dependencies, assembly.Location);
        }
        // the cmdlet and contract assemblies are what PowerShell loaded: default context, module root
        foreach (string name in new[] { "MonoBiomech", "MonoBiomech.Contracts" })
        {
            var assembly = AppDomain.CurrentDomain.GetAssemblies().Single(a => a.GetName().Name == name);
            Assert.Same(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(assembly));
            Assert.Equal(Path.Combine(HostedModule.ModuleDirectory, name + ".dll"), assembly.Location);
        }
    }

    [Fact]
    public void TheEngineAndScriptsShareOneTypeIdentityForTheContract()
    {
        using var host = HostedModule.Import();
        var sameness = host.Run(ModuleContextScript + """

            $context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine)
            $contractsReference = $engine.GetReferencedAssemblies().Where({ $_.Name -eq 'MonoBiomech.Contracts' })[0]
            [object]::ReferenceEquals($context.LoadFromAssemblyName($contractsReference), [MonoBiomech.Pose.PoseSequence].Assembly)
            $fit = $engine.GetType('MonoBiomech.Engine.Fitting.BiomechFitter', $true).GetMethod('Fit')
            $fit.ReturnType.GetGenericArguments()[0] -eq [MonoBiomech.Fitting.BiomechFitResult]
            $fit.GetParameters()[1].ParameterType.GetGenericArguments()[0] -eq [MonoBiomech.Pose.PoseSequence]
            """).Skip(1).Select(o => o.BaseObject).ToList();

        Assert.Equal(new object[] { true, true, true }, sameness);
    }

    [Fact]
    public void TheModulesContextDoesNotLoadItsOwnCopyOfTheContract()
    {
        // A context over a folder that holds a copy of the contract must still hand out the default context's assembly.
        string folder = Directory.CreateTempSubdirectory("mb-alc-").FullName;
        try
        {
            File.Copy(Path.Combine(HostedModule.ModuleDirectory, "MonoBiomech.Contracts.dll"), Path.Combine(folder, "MonoBiomech.Contracts.dll"));
            using var host = HostedModule.Import();
            host.Run("$null = Get-MonoBiomechCache");
            var cmdlets = AppDomain.CurrentDomain.GetAssemblies().Single(a => a.GetName().Name == "MonoBiomech");
            var contextType = cmdlets.GetType("MonoBiomech.Commands.Loading.ModuleLoadContext", throwOnError: true)!;
            var context = (AssemblyLoadContext)Activator.CreateInstance(contextType, folder)!;

            Assembly contracts = context.LoadFromAssemblyName(new AssemblyName("MonoBiomech.Contracts"));

            Assert.Same(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(contracts));
            Assert.Equal(Path.Combine(HostedModule.ModuleDirectory, "MonoBiomech.Contracts.dll"), contracts.Location);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void TheContractReferencesOnlyTheDotNetFramework()
    {
        string contracts = Path.Combine(HostedModule.ModuleDirectory, "MonoBiomech.Contracts.dll");
        using var pe = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(contracts));
        var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
        var references = metadata.AssemblyReferences.Select(r => metadata.GetString(metadata.GetAssemblyReference(r).Name)).ToList();

        Assert.NotEmpty(references);
        // every reference is an assembly of the shared framework the module runs on, so no third-party package
        string framework = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory();
        Assert.All(references, name => Assert.True(File.Exists(Path.Combine(framework, name + ".dll")), $"MonoBiomech.Contracts references {name}, which is not part of .NET"));
    }

    [Fact]
    public void AnOlderMathNetInTheDefaultContextDoesNotReplaceTheModulesCopy()
    {
        // The test project references MathNet.Numerics 4.15: load it into the default context first, as another module would.
        Assembly older = typeof(MathNet.Numerics.Control).Assembly;
        Assert.Same(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(older));
        Assert.Equal(4, older.GetName().Version!.Major);

        using var host = HostedModule.Import();
        var context = (AssemblyLoadContext)host.Run(ModuleContextScript)[0].BaseObject;
        Assembly ours = context.LoadFromAssemblyName(new AssemblyName("MathNet.Numerics"));

        Assert.NotSame(older, ours);
        Assert.Equal(5, ours.GetName().Version!.Major);
        // the engine's own reference binds to the module's copy
        Assembly engine = context.LoadFromAssemblyName(new AssemblyName("MonoBiomech.Engine"));
        var mathNetReference = engine.GetReferencedAssemblies().SingleOrDefault(r => r.Name == "MathNet.Numerics");
        if (mathNetReference is not null)
            Assert.Same(ours, context.LoadFromAssemblyName(mathNetReference));
    }

    [Fact]
    public void OpenCvAndOnnxRuntimeNativesLoadFromTheModuleFolderAndRun()
    {
        using var host = HostedModule.Import();
        var results = host.Run("param($model)\n" + ModuleContextScript + """

            $context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine)
            $cv2 = $context.LoadFromAssemblyName([Reflection.AssemblyName]::new('OpenCvSharp')).GetType('OpenCvSharp.Cv2', $true)
            $cv2::GetVersionString()

            $ort = $context.LoadFromAssemblyName([Reflection.AssemblyName]::new('Microsoft.ML.OnnxRuntime'))
            $session = $ort.GetType('Microsoft.ML.OnnxRuntime.InferenceSession', $true)::new([byte[]]$model)
            $tensorType = $ort.GetType('Microsoft.ML.OnnxRuntime.Tensors.DenseTensor`1', $true).MakeGenericType([float])
            $tensor = $tensorType::new([float[]](1, 2, 3, 4), [int[]](1, 4), $false)
            $namedValue = $ort.GetType('Microsoft.ML.OnnxRuntime.NamedOnnxValue', $true)
            $inputs = [System.Collections.Generic.List`1].MakeGenericType($namedValue)::new()
            $inputs.Add($namedValue::CreateFromTensor[float]('X', $tensor))
            $outputs = $session.Run($inputs)
            , [float[]]@($outputs[0].AsEnumerable[float]())
            $outputs.Dispose(); $session.Dispose()
            """, new Dictionary<string, object?> { ["model"] = OnnxModelWriter.MatMulAdd() });

        Assert.Equal("4.13.0", results[1].BaseObject);
        // MatMulAdd: Y = X·W + B with W[i,j] = 0.5 (3i + j) and B = (1, 2, 3)
        float[] x = { 1, 2, 3, 4 };
        float[] expected = Enumerable.Range(0, 3)
            .Select(j => Enumerable.Range(0, 4).Sum(i => x[i] * 0.5f * (3 * i + j)) + (j + 1)).ToArray();
        Assert.Equal(expected, (float[])results[2].BaseObject);
        string natives = Path.Combine(HostedModule.ModuleDirectory, "Dependencies", "runtimes", "linux-x64", "native");
        string maps = File.ReadAllText("/proc/self/maps");
        Assert.Contains(Path.Combine(natives, "libOpenCvSharpExtern.so"), maps);
        Assert.Contains(Path.Combine(natives, "libonnxruntime.so"), maps);
    }

    [Fact]
    public void TheModuleCanBeRemovedAndImportedAgain()
    {
        using var host = HostedModule.Import();
        var before = (AssemblyLoadContext)host.Run(ModuleContextScript)[0].BaseObject;
        host.Run("Get-MonoBiomechCache -Stage NoSuchStage; Remove-Module MonoBiomech");
        Assert.Empty(host.Run("Get-Module MonoBiomech"));
        host.Run("param($p) Import-Module $p -ErrorAction Stop", new Dictionary<string, object?> { ["p"] = HostedModule.ManifestPath });
        Assert.Empty(host.Run("Get-MonoBiomechCache -Stage NoSuchStage"));
        Assert.Same(before, (AssemblyLoadContext)host.Run(ModuleContextScript)[0].BaseObject);
        // a second runspace in the same process shares the loaded module assembly and its load context
        using var other = HostedModule.Import();
        var context = (AssemblyLoadContext)other.Run(ModuleContextScript)[0].BaseObject;
        Assert.Equal("MonoBiomech", context.Name);
        Assert.Same(before, context);
    }
}
