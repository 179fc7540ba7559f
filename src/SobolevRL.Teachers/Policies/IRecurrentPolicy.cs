using static TorchSharp.torch;

namespace SobolevRL.Policies;

/// <summary>
/// A policy that carries a recurrent state from step to step (an LSTM or GRU teacher). The state of a batch is float32
/// B × <see cref="StateSize"/> (every state tensor of one sample flattened and concatenated); it is zeros at the start
/// of an episode. <see cref="IPolicy.Logits"/> acts from that zero state.
/// </summary>
public interface IRecurrentPolicy : IPolicy
{
    /// <summary>Floats of recurrent state per sample (0: a feed-forward policy).</summary>
    int StateSize { get; }

    /// <summary>
    /// One step: logits z(x | s), B × A, differentiable with respect to <paramref name="observations"/> (the state is an
    /// input held fixed), and the next state, B × <see cref="StateSize"/>, detached.
    /// </summary>
    (Tensor Logits, Tensor NextState) Step(Tensor observations, Tensor state);
}
