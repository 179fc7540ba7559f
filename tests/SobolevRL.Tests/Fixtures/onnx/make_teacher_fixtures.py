"""Exports the small "teachers from the wild" fixtures (issue 19) and their PyTorch reference values.

Run with Debian's PyTorch (python3-torch 1.13), python3-onnx and python3-numpy:
    /usr/bin/python3 make_teacher_fixtures.py
For each model below writes <name>.onnx and <name>.ref.npz with float32 arrays:
    obs   N x observation shape (CHW, environment range, the values the teacher is labelled on)
    out   N x A, the policy output as the model computes it
    logp  N x A, log-softmax of the logits the output stands for (kind given below)
    jac   N x A x observation shape, d logp / d obs by autograd (uint8-input models: with respect to float(obs), the
          derivative of the graph after its Cast, which is what gradient labels of such a teacher mean)
Weights come from torch.manual_seed(1234); the files are deterministic for a given PyTorch version.
"""
import os

import numpy as np
import onnx
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


class ScalarConstants(nn.Module):
    """Rank-0 constants (x.new_ones(()), x.new_zeros(()), torch.full((), v)) exported as ConstantOfShape with an
    empty shape, mixed into the logits by broadcasting arithmetic."""

    def __init__(self, actions=4):
        super().__init__()
        self.fc = nn.Linear(8, 32)
        self.out = nn.Linear(32, actions)

    def forward(self, obs):
        one = obs.new_ones(())
        zero = obs.new_zeros(())
        half = torch.full((), 0.5, dtype=obs.dtype)
        h = torch.tanh(self.fc(obs) * (one + half) + zero)
        z = self.out(h)
        scale = (z.abs().max() * zero + one) / (one + one * half)  # rank-0 arithmetic on reductions
        return z * scale + obs.new_full((), 0.25)


class SmallCnn(nn.Module):
    """Smooth (ELU) CNN on 2x10x10 that flattens with x.view(x.size(0), -1)."""

    def __init__(self, actions=5, head=None, uint8=False, nhwc=False):
        super().__init__()
        self.conv0 = nn.Conv2d(2, 8, 3)
        self.conv1 = nn.Conv2d(8, 8, 3, stride=2)
        self.fc = nn.Linear(8 * 3 * 3, 32)
        self.out = nn.Linear(32, actions)
        self.head = head
        self.uint8 = uint8
        self.nhwc = nhwc

    def forward(self, obs):
        x = obs.float() / 255.0 if self.uint8 else obs
        if self.nhwc:
            x = x.permute(0, 3, 1, 2)
        x = nn.functional.elu(self.conv0(x))
        x = nn.functional.elu(self.conv1(x))
        x = x.view(x.size(0), -1)
        z = self.out(torch.tanh(self.fc(x)))
        if self.head == "softmax":
            return torch.softmax(z, dim=1)
        if self.head == "log_softmax":
            return torch.log_softmax(z, dim=1)
        return z


def log_policy(out, kind):
    logits = torch.log(out) if kind == "probabilities" else out
    return torch.log_softmax(logits, dim=1)


def jacobian(model, obs, kind, nhwc):
    rows = []
    for i in range(obs.shape[0]):
        def f(o):
            x = o.unsqueeze(0)
            return log_policy(model(x.permute(0, 2, 3, 1) if nhwc else x), kind)[0]
        rows.append(torch.autograd.functional.jacobian(f, obs[i]))
    return torch.stack(rows)


def export(name, model, obs_chw, kind, opset, dynamic=True, uint8=False, nhwc=False, output="logits", folding=True):
    """obs_chw: float states in CHW and environment range; the model input is those (as uint8 / NHWC if so)."""
    model.eval()
    net_in = obs_chw.permute(0, 2, 3, 1) if nhwc else obs_chw
    net_in = net_in.to(torch.uint8) if uint8 else net_in
    example = net_in[:1] if not dynamic else net_in[:2]
    path = os.path.join(HERE, f"{name}.onnx")
    axes = {"obs": {0: "batch"}, output: {0: "batch"}} if dynamic else None
    torch.onnx.export(model, (example,), path, input_names=["obs"], output_names=[output],
                      dynamic_axes=axes, opset_version=opset, do_constant_folding=folding)
    onnx.checker.check_model(onnx.load(path))
    with torch.no_grad():
        out = torch.cat([model(net_in[i:i + 1]) for i in range(net_in.shape[0])])
        logp = log_policy(out, kind)
    arrays = {"obs": obs_chw.numpy(), "out": out.numpy(), "logp": logp.numpy()}
    arrays["jac"] = jacobian(model, obs_chw, kind, nhwc).numpy()
    np.savez(os.path.join(HERE, f"{name}.ref.npz"), **{k: v.astype(np.float32) for k, v in arrays.items()})
    ops = sorted({n.op_type for n in onnx.load(path).graph.node})
    print(f"{name}.onnx: {os.path.getsize(path)} bytes, opset {opset}, ops {ops}")


def main():
    torch.manual_seed(1234)
    export("scalar_constants_op17", ScalarConstants(), torch.rand(5, 8), "logits", 17)
    torch.manual_seed(1234)
    export("scalar_constants_op11", ScalarConstants(), torch.rand(5, 8), "logits", 11)
    grid = lambda n: torch.randint(0, 2, (n, 2, 10, 10)).float()  # MinAtar-like 0/1 grids
    frames = lambda n: torch.randint(0, 256, (n, 2, 10, 10)).float()  # Atari-like 0..255 frames
    torch.manual_seed(1234)
    export("fixed_batch_cnn_op17", SmallCnn(), grid(4), "logits", 17, dynamic=False)
    torch.manual_seed(1234)
    export("uint8_input_cnn_op17", SmallCnn(uint8=True), frames(4), "logits", 17, uint8=True)
    torch.manual_seed(1234)
    export("softmax_head_cnn_op17", SmallCnn(head="softmax"), grid(4), "probabilities", 17, output="probs")
    torch.manual_seed(1234)
    export("log_softmax_head_cnn_op17", SmallCnn(head="log_softmax"), grid(4), "logits", 17, output="logp")
    torch.manual_seed(1234)
    export("nhwc_cnn_op17", SmallCnn(nhwc=True), grid(4), "logits", 17, nhwc=True)


if __name__ == "__main__":
    main()
