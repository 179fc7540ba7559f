using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace SobolevRL.Tests.Architecture;

/// <summary>
/// The projects follow the data flow (src/README.md): each references only projects of lower layers, so a wrong-way
/// reference is a compile error, and this test keeps the layer list, the project files and the folders in agreement.
/// </summary>
public partial class ProjectLayersTests
{
    /// <summary>Lowest first; a project may reference only projects before it.</summary>
    static readonly string[] Layers =
    [
        "envs/SobolevRL.Envs/SobolevRL.Envs.csproj",
        "src/SobolevRL.Runtime/SobolevRL.Runtime.csproj",
        "src/SobolevRL.Teachers/SobolevRL.Teachers.csproj",
        "src/SobolevRL.Replay/SobolevRL.Replay.csproj",
        "src/SobolevRL.Training/SobolevRL.Training.csproj",
        "src/SobolevRL.Experiments/SobolevRL.Experiments.csproj",
        "src/SobolevRL.Cli/SobolevRL.Cli.csproj",
    ];

    [Fact]
    public void Every_project_references_only_lower_layers()
    {
        for (int i = 0; i < Layers.Length; i++)
        {
            foreach (string reference in References(Layers[i]))
            {
                int layer = Array.IndexOf(Layers, reference);
                Assert.True(layer >= 0, $"{Layers[i]} references {reference}, which is not in the layer list");
                Assert.True(layer < i, $"{Layers[i]} references {reference}, a layer at or above its own");
            }
        }
    }

    [Fact]
    public void Every_library_project_is_a_listed_layer_and_in_the_solution()
    {
        string solution = File.ReadAllText(RepoFile("SobolevRL.sln"));
        var projects = Directory.EnumerateFiles(RepoFile("src"), "*.csproj", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(RepoFile("envs"), "*.csproj", SearchOption.AllDirectories))
            .Select(p => Path.GetRelativePath(RepoFile("."), p).Replace('\\', '/'))
            .Order()
            .ToList();
        Assert.Equal(Layers.Order(), projects);
        Assert.All(projects, p => Assert.Contains(p.Replace('/', '\\'), solution, StringComparison.Ordinal));
    }

    [Fact]
    public void Each_torch_library_applies_the_native_runtime_settings_on_load()
    {
        // A module initializer runs for its own assembly only: a layer whose first call goes straight to TorchSharp
        // must carry its own (the shared NativeRuntimeOnLoad.cs), or it could run a convolution without the oneDNN workaround.
        foreach (string project in Layers.Skip(2).Take(4))
        {
            var compiled = XDocument.Load(RepoFile(project)).Descendants()
                .Where(e => e.Name.LocalName == "Compile").Select(e => (string?)e.Attribute("Include") ?? "");
            Assert.Contains(compiled, c => c.EndsWith("Hardware/NativeRuntimeOnLoad.cs", StringComparison.Ordinal));
        }
        Assert.True(File.Exists(RepoFile("src/SobolevRL.Runtime/Hardware/NativeRuntimeOnLoad.cs")));
    }

    [Fact]
    public void No_two_library_namespaces_depend_on_each_other_even_through_others()
    {
        // Inside a project the compiler allows folder cycles; the data flow does not (e.g. Policies must not need Teachers).
        var uses = new Dictionary<string, HashSet<string>>();
        foreach (string file in Directory.EnumerateFiles(RepoFile("src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains("/obj/", StringComparison.Ordinal) || file.Contains("/bin/", StringComparison.Ordinal)) continue;
            string text = File.ReadAllText(file);
            var own = NamespaceLine().Match(text);
            if (!own.Success || own.Groups[1].Value.StartsWith("SobolevRL.Cli", StringComparison.Ordinal)) continue;
            var set = uses.TryGetValue(own.Groups[1].Value, out var s) ? s : uses[own.Groups[1].Value] = [];
            foreach (Match m in NamespaceReference().Matches(text))
                if (m.Groups[1].Value != own.Groups[1].Value) set.Add(m.Groups[1].Value);
        }
        Assert.True(uses.Count >= 15, $"found only {uses.Count} namespaces: has the source tree moved?");
        foreach (string start in uses.Keys)
        {
            // Everything reachable from start; start must not be among it.
            var seen = new HashSet<string>();
            var stack = new Stack<string>(uses[start]);
            while (stack.Count > 0)
            {
                string n = stack.Pop();
                Assert.False(n == start, $"namespace cycle through {start}");
                if (seen.Add(n) && uses.TryGetValue(n, out var next)) foreach (string m in next) stack.Push(m);
            }
        }
    }

    [GeneratedRegex(@"^namespace (SobolevRL\.[A-Za-z]+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();

    [GeneratedRegex(@"\b(SobolevRL\.(?!Tests\b|Cli\b)[A-Z][A-Za-z]+)")]
    private static partial Regex NamespaceReference();

    static IEnumerable<string> References(string project)
    {
        string path = RepoFile(project);
        return XDocument.Load(path).Descendants()
            .Where(e => e.Name.LocalName == "ProjectReference")
            .Select(e => Path.GetRelativePath(RepoFile("."), Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, (string)e.Attribute("Include")!))).Replace('\\', '/'));
    }
}
