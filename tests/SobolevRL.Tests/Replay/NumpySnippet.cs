namespace SobolevRL.Tests.Replay;

/// <summary>The README's ten-line numpy snippet (docs-data.md carries the same text; the test runs it).</summary>
internal static class NumpySnippet
{
    public const string Text = """
        import json, pathlib, numpy as np
        def load(d):  # memory-maps every committed shard; where[(episode, step)] = (shard, row)
            d = pathlib.Path(d); m = json.loads((d / "manifest.json").read_text())
            arrays = [{f.stem: np.load(d / s["name"] / f, mmap_mode="r") for f in map(pathlib.Path, s["sha256"])} for s in m["shards"]]
            where = {(int(e), int(t)): (j, i) for j, a in enumerate(arrays) for i, (e, t) in enumerate(zip(a["episode"], a["step"]))}
            return m, arrays, where
        def stacked(m, arrays, where, j, i):  # k frames oldest first; before the episode's start, its first frame repeats
            e, t, k = int(arrays[j]["episode"][i]), int(arrays[j]["step"][i]), m["frame_stack"]
            return np.concatenate([arrays[a]["frames"][b] for a, b in (where[(e, max(0, t - k + 1 + n))] for n in range(k))])
        """;
}
