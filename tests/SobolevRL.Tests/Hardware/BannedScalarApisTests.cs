using System.Reflection;
using System.Xml.Linq;

namespace SobolevRL.Tests.Hardware;

/// <summary>
/// The library and CLI are compiled with Microsoft.CodeAnalysis.BannedApiAnalyzers and <c>src/SobolevRL.Runtime/BannedSymbols.txt</c>,
/// which must ban every TorchSharp API that hands libtorch a temporary <see cref="Scalar"/> (see Hardware/KeptAliveScalars).
/// </summary>
public class BannedScalarApisTests
{
    static readonly string BannedFile = RepoFile("src/SobolevRL.Runtime/BannedSymbols.txt");

    [Theory]
    [InlineData("src/SobolevRL.Runtime/SobolevRL.Runtime.csproj")]
    [InlineData("src/SobolevRL.Teachers/SobolevRL.Teachers.csproj")]
    [InlineData("src/SobolevRL.Replay/SobolevRL.Replay.csproj")]
    [InlineData("src/SobolevRL.Training/SobolevRL.Training.csproj")]
    [InlineData("src/SobolevRL.Experiments/SobolevRL.Experiments.csproj")]
    [InlineData("src/SobolevRL.Cli/SobolevRL.Cli.csproj")]
    public void Project_builds_with_the_banned_api_analyzer_and_the_list(string project)
    {
        string path = RepoFile(project);
        var items = XDocument.Load(path).Descendants().ToList();
        Assert.Contains(items, e => e.Name.LocalName == "PackageReference"
            && (string?)e.Attribute("Include") == "Microsoft.CodeAnalysis.BannedApiAnalyzers");
        var listed = items.Where(e => e.Name.LocalName == "AdditionalFiles")
            .Select(e => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, (string)e.Attribute("Include")!)));
        Assert.Contains(BannedFile, listed);
        Assert.Contains("Microsoft.CodeAnalysis.BannedApiAnalyzers", File.ReadAllText(RepoFile("Directory.Packages.props")));
    }

    [Fact]
    public void Every_implicit_conversion_to_scalar_and_every_tensor_number_operator_is_banned()
    {
        var banned = BannedIds();
        var conversions = typeof(Scalar).GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.Name == "op_Implicit").ToList();
        Assert.True(conversions.Count >= 10, "TorchSharp's Scalar has lost its implicit conversions: revisit BannedSymbols.txt");
        Assert.All(conversions, m => Assert.Contains(DocId(m), banned));
        var numberOperators = typeof(torch.Tensor).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.Name is "op_Addition" or "op_Subtraction" or "op_Multiply" or "op_Division" or "op_Modulus"
                && m.GetParameters().Any(p => p.ParameterType.IsPrimitive))
            .ToList();
        Assert.True(numberOperators.Count >= 36);
        Assert.All(numberOperators, m => Assert.Contains(DocId(m), banned));
    }

    [Fact]
    public void Every_public_torchsharp_method_that_makes_a_temporary_scalar_inside_is_banned()
    {
        var banned = BannedIds();
        var missing = ScalarTemporaryMakers().Select(DocId).Where(id => !banned.Contains(id)).Order().ToList();
        Assert.True(missing.Count == 0, "add to src/SobolevRL.Runtime/BannedSymbols.txt:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void No_source_file_suppresses_the_ban()
    {
        var suppressing = Directory.EnumerateFiles(RepoFile("src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f).Contains("RS0030", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(RepoFile("."), f))
            .ToList();
        Assert.Empty(suppressing);
    }

    static HashSet<string> BannedIds() =>
        File.ReadAllLines(BannedFile).Where(l => l.StartsWith("M:", StringComparison.Ordinal)).Select(l => l.Split(';')[0]).ToHashSet();

    /// <summary>
    /// Public TorchSharp methods whose IL, directly or through other TorchSharp methods, converts a number or a tensor
    /// into a <see cref="Scalar"/> that it does not hand back. <c>ToScalar</c> itself is the sanctioned explicit way.
    /// The scan reads call/callvirt/newobj operands byte by byte; for one fixed TorchSharp build that is deterministic.
    /// </summary>
    static IEnumerable<MethodBase> ScalarTemporaryMakers()
    {
        var assembly = typeof(Scalar).Assembly;
        var module = assembly.ManifestModule;
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        var callers = new Dictionary<MethodBase, List<MethodBase>>();
        foreach (var type in assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
            {
                byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
                if (il is null) continue;
                for (int i = 0; i + 4 < il.Length; i++)
                {
                    if (il[i] is not (0x28 or 0x6F or 0x73)) continue; // call, callvirt, newobj
                    int token = BitConverter.ToInt32(il, i + 1);
                    if ((token >> 24) is not (0x06 or 0x0A or 0x2B)) continue; // MethodDef, MemberRef, MethodSpec
                    MethodBase? callee;
                    try { callee = module.ResolveMethod(token, type.IsGenericType ? type.GetGenericArguments() : null, method.IsGenericMethod ? method.GetGenericArguments() : null); }
                    catch (ArgumentException) { continue; }
                    if (callee is MethodInfo { IsGenericMethod: true, IsGenericMethodDefinition: false } generic) callee = generic.GetGenericMethodDefinition();
                    if (callee is null) continue;
                    if (!callers.TryGetValue(callee, out var list)) callers[callee] = list = [];
                    list.Add(method);
                }
            }
        }
        var makers = callers.Keys.Where(m => (m.DeclaringType == typeof(Scalar) && (m.Name == "op_Implicit" || m.IsConstructor)) || m.Name == "ToScalar").ToHashSet();
        var queue = new Queue<MethodBase>(makers);
        while (queue.TryDequeue(out var method))
            foreach (var caller in callers.GetValueOrDefault(method) ?? [])
                if (makers.Add(caller)) queue.Enqueue(caller);
        return makers.Where(m => m.IsPublic && m.DeclaringType is { } t && (t.IsPublic || t.IsNestedPublic) && m.Name != "ToScalar");
    }

    /// <summary>The documentation-comment ID that BannedSymbols.txt uses for <paramref name="method"/>.</summary>
    static string DocId(MethodBase method)
    {
        string name = method.IsConstructor ? "#ctor" : method.Name;
        if (method is MethodInfo { IsGenericMethodDefinition: true } generic) name += "``" + generic.GetGenericArguments().Length;
        var parameters = method.GetParameters();
        string id = "M:" + TypeName(method.DeclaringType!, open: true) + "." + name
            + (parameters.Length > 0 ? "(" + string.Join(",", parameters.Select(p => TypeName(p.ParameterType, open: false))) + ")" : "");
        if (method.Name is "op_Implicit" or "op_Explicit") id += "~" + TypeName(((MethodInfo)method).ReturnType, open: false);
        return id;
    }

    static string TypeName(Type type, bool open)
    {
        if (type.IsByRef) return TypeName(type.GetElementType()!, open) + "@";
        if (type.IsArray) return TypeName(type.GetElementType()!, open) + "[]";
        if (type.IsGenericParameter) return (type.DeclaringMethod is null ? "`" : "``") + type.GenericParameterPosition;
        string name = type.IsNested ? TypeName(type.DeclaringType!, open) + "." + type.Name : type.Namespace + "." + type.Name;
        if (type.IsGenericType && !open)
        {
            name = name[..name.IndexOf('`')];
            if (!type.IsGenericTypeDefinition) name += "{" + string.Join(",", type.GetGenericArguments().Select(a => TypeName(a, open: false))) + "}";
        }
        return name;
    }
}
