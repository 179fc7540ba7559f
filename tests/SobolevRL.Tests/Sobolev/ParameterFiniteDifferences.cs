using static TorchSharp.torch;

namespace SobolevRL.Tests.Sobolev;

/// <summary>Checks a network's parameter gradients (already in <c>.grad</c>) against central differences of a loss.</summary>
internal static class ParameterFiniteDifferences
{
    /// <summary>
    /// For the first <paramref name="perParameter"/> entries of every parameter of <paramref name="network"/>, compares
    /// <c>.grad</c> with (loss(θ+ε) − loss(θ−ε)) / 2ε; the parameters are restored afterwards.
    /// </summary>
    public static void AssertMatch(nn.Module network, Func<double> loss, int perParameter, string analyticName)
    {
        const double eps = 1e-6;
        foreach (var p in network.parameters())
        {
            var flat = p.detach().view(-1);
            var grad = p.grad!.view(-1);
            for (long i = 0; i < Math.Min(flat.numel(), perParameter); i++)
            {
                double original = flat[i].item<double>();
                using (no_grad()) flat[i] = original + eps;
                double plus = loss();
                using (no_grad()) flat[i] = original - eps;
                double minus = loss();
                using (no_grad()) flat[i] = original;
                double fd = (plus - minus) / (2 * eps), analytic = grad[i].item<double>();
                Assert.True(Math.Abs(fd - analytic) <= 1e-6 + 1e-5 * Math.Abs(fd), $"param {i}: fd {fd} vs {analyticName} {analytic}");
            }
        }
    }
}
