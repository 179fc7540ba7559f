"""Exports the recurrent teacher fixtures (issue 19) and their PyTorch reference values along one episode.

Run with Debian's PyTorch (python3-torch 1.13), python3-onnx and python3-numpy:
    /usr/bin/python3 make_recurrent_fixtures.py
Each model takes a MinAtar Breakout observation obs [batch, 4, 10, 10] (0/1 grids) and its recurrent state, and returns
the policy logits [batch, 3] and the next state. For each model below writes <name>.onnx and <name>.ref.npz with float32
arrays of one episode of T steps, the state carried from zeros at the first step:
    obs    T x 4 x 10 x 10, the observations in order
    state  T x S, the state the teacher holds before each step (every state tensor flattened per sample, in the order of
           the card's state list, concatenated)
    out    T x 3, the logits given that state
    logp   T x 3, log-softmax of the logits
    jac    T x 3 x 4 x 10 x 10, d logp / d obs at each step with the state held fixed (autograd)
Weights come from torch.manual_seed(1234); the files are deterministic for a given PyTorch version.
"""
import json
import os

import numpy as np
import onnx
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
HIDDEN = 16
ACTIONS = 3


class Torso(nn.Module):
    """Smooth (ELU/tanh) convolutional torso on 4x10x10 grids."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 8, 3, stride=2)
        self.fc = nn.Linear(8 * 4 * 4, 24)

    def forward(self, obs):
        x = nn.functional.elu(self.conv(obs))
        return torch.tanh(self.fc(x.flatten(1)))


class LstmPolicy(nn.Module):
    """nn.LSTM over a sequence of one step, state as nn.LSTM keeps it: h, c of [layers=1, batch, hidden] (ONNX LSTM)."""

    def __init__(self):
        super().__init__()
        self.torso = Torso()
        self.lstm = nn.LSTM(24, HIDDEN)
        self.out = nn.Linear(HIDDEN, ACTIONS)

    def forward(self, obs, h, c):
        y, (h1, c1) = self.lstm(self.torso(obs).unsqueeze(0), (h, c))
        return self.out(y[0]), h1, c1


class GruPolicy(nn.Module):
    """nn.GRU (ONNX GRU), state h of [1, batch, hidden]."""

    def __init__(self):
        super().__init__()
        self.torso = Torso()
        self.gru = nn.GRU(24, HIDDEN)
        self.out = nn.Linear(HIDDEN, ACTIONS)

    def forward(self, obs, h):
        y, h1 = self.gru(self.torso(obs).unsqueeze(0), h)
        return self.out(y[0]), h1


class LstmCellPolicy(nn.Module):
    """nn.LSTMCell, state hx, cx of [batch, hidden] (the A3C-LSTM shape)."""

    def __init__(self):
        super().__init__()
        self.torso = Torso()
        self.cell = nn.LSTMCell(24, HIDDEN)
        self.out = nn.Linear(HIDDEN, ACTIONS)

    def forward(self, obs, hx, cx):
        h1, c1 = self.cell(self.torso(obs), (hx, cx))
        return self.out(h1), h1, c1


class UnrolledLstmPolicy(nn.Module):
    """An LSTM cell written out by hand (what exporters of custom cells emit: MatMul, Add, Split, Sigmoid, Tanh, Mul)."""

    def __init__(self):
        super().__init__()
        self.torso = Torso()
        self.wx = nn.Linear(24, 4 * HIDDEN)
        self.wh = nn.Linear(HIDDEN, 4 * HIDDEN, bias=False)
        self.out = nn.Linear(HIDDEN, ACTIONS)

    def forward(self, obs, h, c):
        gates = self.wx(self.torso(obs)) + self.wh(h)
        i, f, g, o = gates.split(HIDDEN, dim=1)
        c1 = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h1 = torch.sigmoid(o) * torch.tanh(c1)
        return self.out(h1), h1, c1


def export(name, model, state_names, state_shape, batch_axis, opset, episode):
    """state_shape: one state tensor's shape with batch 1 at batch_axis; every state tensor has it."""
    model.eval()
    path = os.path.join(HERE, f"{name}.onnx")
    outputs = ["logits"] + [s + "_out" for s in state_names]
    axes = {"obs": {0: "batch"}, "logits": {0: "batch"}}
    for s in state_names:
        axes[s] = {batch_axis: "batch"}
        axes[s + "_out"] = {batch_axis: "batch"}
    example_state = [torch.zeros([2 if d == batch_axis else n for d, n in enumerate(state_shape)]) for _ in state_names]
    torch.onnx.export(model, (episode[:2], *example_state), path, input_names=["obs"] + state_names, output_names=outputs,
                      dynamic_axes=axes, opset_version=opset, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))
    state = [torch.zeros(state_shape) for _ in state_names]
    arrays = {k: [] for k in ("obs", "state", "out", "logp", "jac")}
    for t in range(episode.shape[0]):
        obs = episode[t:t + 1]
        with torch.no_grad():
            out, *next_state = model(obs, *state)
        frozen = [s.detach() for s in state]
        jac = torch.autograd.functional.jacobian(lambda o: torch.log_softmax(model(o.unsqueeze(0), *frozen)[0], 1)[0], obs[0])
        arrays["obs"].append(obs[0])
        arrays["state"].append(torch.cat([s.reshape(-1) for s in state]))
        arrays["out"].append(out[0])
        arrays["logp"].append(torch.log_softmax(out, 1)[0])
        arrays["jac"].append(jac)
        state = next_state
    np.savez(os.path.join(HERE, f"{name}.ref.npz"), **{k: torch.stack(v).numpy().astype(np.float32) for k, v in arrays.items()})
    ops = sorted({n.op_type for n in onnx.load(path).graph.node})
    print(f"{name}.onnx: {os.path.getsize(path)} bytes, opset {opset}, ops {ops}")
    card = {"env": "MinAtar/Breakout-v1", "output_kind": "logits", "policy_output": "logits", "input": {"name": "obs"},
            "recurrent": {"state": [{"input": s, "output": s + "_out"} for s in state_names]}}
    with open(os.path.join(HERE, f"{name}.onnx.card.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")


def main():
    torch.manual_seed(99)
    episode = torch.randint(0, 2, (12, 4, 10, 10)).float()  # MinAtar-like 0/1 grids, one episode of 12 steps
    torch.manual_seed(1234)
    export("lstm_breakout_op17", LstmPolicy(), ["h", "c"], [1, 1, HIDDEN], 1, 17, episode)
    torch.manual_seed(1234)
    export("lstm_breakout_op11", LstmPolicy(), ["h", "c"], [1, 1, HIDDEN], 1, 11, episode)
    torch.manual_seed(1234)
    export("gru_breakout_op17", GruPolicy(), ["h"], [1, 1, HIDDEN], 1, 17, episode)
    torch.manual_seed(1234)
    export("lstm_cell_breakout_op17", LstmCellPolicy(), ["hx", "cx"], [1, HIDDEN], 0, 17, episode)
    torch.manual_seed(1234)
    export("unrolled_lstm_breakout_op17", UnrolledLstmPolicy(), ["h", "c"], [1, HIDDEN], 0, 17, episode)


if __name__ == "__main__":
    main()
