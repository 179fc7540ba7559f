using System.Text;
using System.Text.RegularExpressions;

namespace SobolevRL.Tests.Architecture;

/// <summary>
/// Every relative link in the project's Markdown (README, docs/, the folders' READMEs, checked-in reports) reaches a file
/// that exists and, when it names a heading (<c>file.md#anchor</c>), a heading that exists: results move between README
/// and docs/ as the project grows, and a reader following a claim to its table must land on it.
/// </summary>
public partial class DocumentationLinksTests
{
    [Fact]
    public void EveryRelativeLinkReachesAFileAndHeadingThatExist()
    {
        string root = RepoFiles.RepoFile(".");
        var files = MarkdownFiles(root).ToArray();
        Assert.Contains(files, f => Path.GetFileName(f) == "README.md" && Path.GetDirectoryName(f) == Path.TrimEndingDirectorySeparator(root));
        var broken = new List<string>();
        int links = 0;
        foreach (string file in files)
        {
            foreach (Match link in LinkTarget().Matches(WithoutCodeBlocks(File.ReadAllText(file))))
            {
                string target = link.Groups[1].Value;
                if (UriScheme().IsMatch(target)) continue; // https:, mailto: — not ours to check here
                links++;
                int hash = target.IndexOf('#');
                string path = hash < 0 ? target : target[..hash];
                string anchor = hash < 0 ? "" : target[(hash + 1)..];
                string resolved = path.Length == 0 ? file : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, Uri.UnescapeDataString(path)));
                string where = $"{Path.GetRelativePath(root, file)}: ({target})";
                if (!File.Exists(resolved) && !Directory.Exists(resolved)) broken.Add($"{where} — no such file");
                else if (anchor.Length > 0 && resolved.EndsWith(".md", StringComparison.Ordinal) && !Anchors(resolved).Contains(anchor))
                    broken.Add($"{where} — no heading with that anchor");
            }
        }
        Assert.True(links > 100, $"only {links} relative links found: the scan is not reading the Markdown");
        Assert.True(broken.Count == 0, "broken links:\n" + string.Join("\n", broken));
    }

    [Theory]
    [InlineData("Paper experiment 2: data efficiency of Sobolev distillation", "paper-experiment-2-data-efficiency-of-sobolev-distillation")]
    [InlineData("Equal compute: Regular given the Sobolev students' CPU time (session 10)", "equal-compute-regular-given-the-sobolev-students-cpu-time-session-10")]
    [InlineData("Atari walkthrough (teacher → dataset → student → evaluation)", "atari-walkthrough-teacher--dataset--student--evaluation")]
    [InlineData("`vjp:K` labels and λ", "vjpk-labels-and-λ")]
    public void AnchorsAreSpelledAsGitHubSpellsThem(string heading, string anchor) => Assert.Equal(anchor, Anchor(heading));

    /// <summary>GitHub's anchor of a heading: lower case, punctuation dropped (letters, digits, _, - and spaces kept), spaces to hyphens.</summary>
    private static string Anchor(string heading)
    {
        var text = new StringBuilder();
        foreach (char c in heading.Trim().ToLowerInvariant())
            if (char.IsLetterOrDigit(c) || c is '_' or '-') text.Append(c);
            else if (c == ' ') text.Append('-');
        return text.ToString();
    }

    private static HashSet<string> Anchors(string file)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>();
        foreach (Match heading in Heading().Matches(WithoutCodeBlocks(File.ReadAllText(file))))
        {
            string anchor = Anchor(heading.Groups[1].Value);
            int count = seen.GetValueOrDefault(anchor);
            seen[anchor] = count + 1;
            anchors.Add(count == 0 ? anchor : $"{anchor}-{count}"); // a repeated heading gets -1, -2, …
        }
        return anchors;
    }

    private static string WithoutCodeBlocks(string markdown) => CodeBlock().Replace(markdown, "");

    // The repository's own Markdown: build outputs and hidden folders (.git, tool caches) are not documentation.
    private static IEnumerable<string> MarkdownFiles(string directory)
    {
        foreach (string file in Directory.EnumerateFiles(directory, "*.md")) yield return file;
        foreach (string sub in Directory.EnumerateDirectories(directory))
        {
            string name = Path.GetFileName(sub);
            if (name.StartsWith('.') || name is "bin" or "obj" or "node_modules" or "TestResults") continue;
            foreach (string file in MarkdownFiles(sub)) yield return file;
        }
    }

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex LinkTarget();

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9+.-]*:")]
    private static partial Regex UriScheme();

    [GeneratedRegex(@"^#{1,6} +(.+?) *$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"^```.*?^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlock();
}
