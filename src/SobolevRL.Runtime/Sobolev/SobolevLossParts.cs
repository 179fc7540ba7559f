using static TorchSharp.torch;

namespace SobolevRL.Sobolev;

/// <summary>
/// The terms of one evaluation of the Sobolev loss (paper Eq. 1). <see cref="Total"/> is
/// value + λ_1·order1 + λ_2·order2 and carries the graph to the parameters; the parts are
/// unweighted, for logging.
/// </summary>
/// <param name="Total">The loss to minimise.</param>
/// <param name="Value">Loss on values.</param>
/// <param name="Order1">Unweighted first-order derivative loss, or null when off.</param>
/// <param name="Order2">Unweighted second-order derivative loss, or null when off.</param>
public sealed record SobolevLossParts(Tensor Total, Tensor Value, Tensor? Order1, Tensor? Order2);
