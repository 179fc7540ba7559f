"""Exports the small ONNX fixture models used by SobolevRL's ONNX tests.

Run with Debian's PyTorch (python3-torch 1.13) and python3-onnx:
    /usr/bin/python3 make_fixtures.py
Writes <name>_op11.onnx and <name>_op17.onnx for each model below, with a dynamic batch axis.
Weights come from a fixed seed; the files are deterministic for a given PyTorch version.
"""
import os

import onnx
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


class NatureDqn(nn.Module):
    """Nature-DQN layout at half width and a reduced 4x44x44 input (keeps the file small)."""

    input_shape = (4, 44, 44)

    def __init__(self, actions=6):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(4, 16, 8, stride=4), nn.ReLU(),
            nn.Conv2d(16, 32, 4, stride=2), nn.ReLU(),
            nn.Conv2d(32, 32, 3, stride=1), nn.ReLU(),
            nn.Flatten(),
            nn.Linear(32 * 2 * 2, 128), nn.ReLU(),
            nn.Linear(128, actions))

    def forward(self, obs):
        return self.net(obs)


class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv0 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return x + self.conv1(torch.relu(self.conv0(torch.relu(x))))


class ImpalaCnn(nn.Module):
    """One IMPALA stack (conv, 3x3/2 max-pool, two residual blocks) and a second pooling, then the head."""

    input_shape = (3, 24, 24)

    def __init__(self, actions=15, channels=16):
        super().__init__()
        self.conv = nn.Conv2d(3, channels, 3, padding=1)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.res0 = ResidualBlock(channels)
        self.res1 = ResidualBlock(channels)
        self.pool2 = nn.MaxPool2d(3, stride=2, padding=1)
        self.fc = nn.Linear(channels * 6 * 6, 64)
        self.logits = nn.Linear(64, actions)

    def forward(self, obs):
        x = self.pool(self.conv(obs))
        x = self.res1(self.res0(x))
        x = self.pool2(torch.relu(x))
        x = torch.relu(self.fc(torch.flatten(x, 1)))
        return self.logits(x)


class ActorCriticMlp(nn.Module):
    """Smooth (tanh) actor-critic MLP with two outputs: policy logits and state value."""

    input_shape = (8,)

    def __init__(self, actions=4):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh())
        self.policy = nn.Linear(64, actions)
        self.value = nn.Linear(64, 1)

    def forward(self, obs):
        h = self.body(obs)
        return self.policy(h), self.value(h)


class DynamicReshapeCnn(nn.Module):
    """Smooth (ELU) conv net that flattens with x.view(x.size(0), -1): exported as Shape/Gather/Unsqueeze/Concat/Reshape."""

    input_shape = (2, 10, 10)

    def __init__(self, actions=5):
        super().__init__()
        self.conv0 = nn.Conv2d(2, 8, 3, stride=1)
        self.conv1 = nn.Conv2d(8, 8, 3, stride=2)
        self.fc = nn.Linear(8 * 3 * 3, 32)
        self.out = nn.Linear(32, actions)

    def forward(self, obs):
        x = nn.functional.elu(self.conv0(obs))
        x = nn.functional.elu(self.conv1(x))
        x = x.view(x.size(0), -1)
        x = torch.tanh(self.fc(x))
        return self.out(x)


MODELS = {
    "nature_dqn": (NatureDqn, ["logits"]),
    "impala_cnn": (ImpalaCnn, ["logits"]),
    "actor_critic_mlp": (ActorCriticMlp, ["logits", "value"]),
    "dynamic_reshape_cnn": (DynamicReshapeCnn, ["logits"]),
}


def export(name, cls, outputs, opset):
    torch.manual_seed(1234)
    model = cls().eval()
    example = torch.rand(2, *cls.input_shape)
    path = os.path.join(HERE, f"{name}_op{opset}.onnx")
    axes = {"obs": {0: "batch"}}
    axes.update({o: {0: "batch"} for o in outputs})
    torch.onnx.export(model, (example,), path, input_names=["obs"], output_names=outputs,
                      dynamic_axes=axes, opset_version=opset, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))
    ops = sorted({n.op_type for n in onnx.load(path).graph.node})
    print(f"{os.path.basename(path)}: {os.path.getsize(path)} bytes, ops {ops}")


if __name__ == "__main__":
    for name, (cls, outputs) in MODELS.items():
        for opset in (11, 17):
            export(name, cls, outputs, opset)
