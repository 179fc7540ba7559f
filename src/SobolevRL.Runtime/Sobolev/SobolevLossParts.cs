using static TorchSharp.torch;

namespace SobolevRL.Sobolev;

/// <summary>
/// The terms of one evaluation of the Sobolev regression loss (paper Eq. 1). <see cref="Total"/> is value + λ·derivative
/// and carries the graph to the parameters; the parts are unweighted, for logging.
/// </summary>
/// <param name="Total">The loss to minimise.</param>
/// <param name="Value">Loss on values.</param>
/// <param name="Derivative">Unweighted derivative term, or null when λ = 0.</param>
public sealed record SobolevLossParts(Tensor Total, Tensor Value, Tensor? Derivative);
