"""Exports the opset 9-10 and float16 teacher fixtures (issue 19) and their PyTorch reference values.

Run with Debian's PyTorch (python3-torch 1.13), python3-onnx and python3-numpy, after the other fixture scripts
(it reuses their models):
    /usr/bin/python3 make_legacy_fixtures.py
Feed-forward models write <name>.onnx and <name>.ref.npz as make_teacher_fixtures.py does (obs, out, logp, jac);
recurrent ones as make_recurrent_fixtures.py does (one episode, with a card).

Float16: PyTorch 1.13 has no float16 CPU kernels for convolution, matmul or the activations, so it cannot trace a
model.half() on this machine (no GPU). half_cnn_op17 is therefore the float32 export of the same network with every
float tensor type turned to float16 (initializers, constants, graph inputs, outputs and intermediate types): the
graph torch.onnx.export writes for model.half() on a GPU. half_weights_mlp_op17 is a real CPU export of a model whose
parameters are float16 and are cast to float32 in forward (weights stored in half, compute in float32). Both
references are computed in float64 from the float16 weights, the function the teacher's labels are checked against.
"""
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper, TensorProto
from torch import nn

import make_recurrent_fixtures as recurrent
import make_teacher_fixtures as teacher
from make_fixtures import ActorCriticMlp

HERE = os.path.dirname(os.path.abspath(__file__))


class DuelingCnn(nn.Module):
    """Smooth dueling Q-network over the layers whose ONNX form changed after opset 10: Pad (pads attribute), Slice
    (starts/ends attributes), Upsample (scales), BatchNormalization (spatial), Dropout, ReduceMean, then
    Q = V + A - mean(A)."""

    def __init__(self, actions=5):
        super().__init__()
        self.pad = nn.ZeroPad2d((1, 1, 0, 1))
        self.conv0 = nn.Conv2d(2, 8, 3)
        self.bn = nn.BatchNorm2d(8)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.conv1 = nn.Conv2d(8, 8, 3, stride=3)
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(8 * 5 * 5, 32)
        self.value = nn.Linear(32, 1)
        self.advantage = nn.Linear(32, actions)
        with torch.no_grad():  # running statistics as a trained network has them
            self.bn.running_mean.uniform_(-0.2, 0.2)
            self.bn.running_var.uniform_(0.5, 1.5)
            self.bn.weight.uniform_(0.5, 1.5)
            self.bn.bias.uniform_(-0.1, 0.1)

    def forward(self, obs):
        x = self.pad(obs)[:, :, 1:, :]  # 2 x 10 x 12
        x = nn.functional.elu(self.conv0(x))  # 8 x 8 x 10
        x = self.bn(x)
        x = self.up(x)[:, :, :, 2:-2]  # 8 x 16 x 16
        x = nn.functional.elu(self.conv1(x))  # 8 x 5 x 5
        h = torch.tanh(self.fc(self.drop(torch.flatten(x, 1))))
        a = self.advantage(h)
        return self.value(h) + a - a.mean(dim=1, keepdim=True)


class HalfWeightsMlp(nn.Module):
    """Parameters stored as float16, cast to float32 for the computation (a common way to halve a file)."""

    def __init__(self, actions=4):
        super().__init__()
        self.fc0 = nn.Linear(8, 32).half()
        self.fc1 = nn.Linear(32, actions).half()

    def forward(self, obs):
        up = lambda p: p.to(obs.dtype)  # Cast to float32 in the export
        h = torch.tanh(nn.functional.linear(obs, up(self.fc0.weight), up(self.fc0.bias)))
        return nn.functional.linear(h, up(self.fc1.weight), up(self.fc1.bias))


class PolicyOf(nn.Module):
    """The first output of a multi-output model (the policy logits) for the reference Jacobian."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, obs):
        return self.model(obs)[0]


def to_float16(path):
    """Every float32 tensor type of the graph at path becomes float16 (what a model.half() export holds)."""
    model = onnx.load(path)
    graph = model.graph
    for i, init in enumerate(graph.initializer):
        if init.data_type == TensorProto.FLOAT:
            graph.initializer[i].CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), init.name))
    for value in list(graph.input) + list(graph.output) + list(graph.value_info):
        if value.type.tensor_type.elem_type == TensorProto.FLOAT:
            value.type.tensor_type.elem_type = TensorProto.FLOAT16
    for node in graph.node:
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.TENSOR and attr.t.data_type == TensorProto.FLOAT:
                attr.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(attr.t).astype(np.float16), attr.t.name))
            if node.op_type == "Cast" and attr.name == "to" and attr.i == TensorProto.FLOAT:
                attr.i = TensorProto.FLOAT16
    onnx.checker.check_model(model)
    onnx.save(model, path)


def export_half_cnn():
    """half_cnn_op17: SmallCnn as model.half() exports it; the reference runs the float16 weights in float64."""
    torch.manual_seed(1234)
    model = teacher.SmallCnn().eval()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())  # the weights the float16 file holds, exactly
    obs = torch.randint(0, 2, (4, 2, 10, 10)).float()
    teacher.export("half_cnn_op17", model, obs, "logits", 17)
    to_float16(os.path.join(HERE, "half_cnn_op17.onnx"))
    reference_in_float64("half_cnn_op17", model, obs)


def reference_in_float64(name, model, obs):
    """Replaces out/logp/jac of <name>.ref.npz by the float64 computation of the same weights."""
    model64 = model.double()
    obs64 = obs.double()
    with torch.no_grad():
        out = model64(obs64)
    logp = torch.log_softmax(out, 1)
    jac = teacher.jacobian(model64, obs64, "logits", False)
    arrays = {"obs": obs.numpy(), "out": out.numpy(), "logp": logp.numpy(), "jac": jac.numpy()}
    np.savez(os.path.join(HERE, f"{name}.ref.npz"), **{k: v.astype(np.float32) for k, v in arrays.items()})


def export_half_weights_mlp():
    torch.manual_seed(1234)
    model = HalfWeightsMlp().eval()
    obs = torch.rand(5, 8)
    teacher.export("half_weights_mlp_op17", model, obs, "logits", 17, folding=False)  # folding would widen the weights
    reference_in_float64("half_weights_mlp_op17", model, obs)  # float16-valued weights widened to float64


def main():
    grid = lambda n: torch.randint(0, 2, (n, 2, 10, 10)).float()
    for opset in (9, 10):
        torch.manual_seed(1234)
        teacher.export(f"small_cnn_op{opset}", teacher.SmallCnn(), grid(4), "logits", opset)
        torch.manual_seed(1234)
        teacher.export(f"dueling_cnn_op{opset}", DuelingCnn(), grid(4), "logits", opset, output="q")
        torch.manual_seed(1234)
        mlp = ActorCriticMlp().eval()
        obs = torch.rand(5, 8)
        path = os.path.join(HERE, f"actor_critic_mlp_op{opset}.onnx")
        torch.onnx.export(mlp, (obs[:2],), path, input_names=["obs"], output_names=["logits", "value"],
                          dynamic_axes={"obs": {0: "batch"}, "logits": {0: "batch"}, "value": {0: "batch"}},
                          opset_version=opset, do_constant_folding=True)
        # Reference arrays of the policy output, as teacher.export writes them (the export above keeps both outputs).
        policy = PolicyOf(mlp).eval()
        with torch.no_grad():
            out = policy(obs)
        arrays = {"obs": obs, "out": out, "logp": torch.log_softmax(out, 1), "jac": teacher.jacobian(policy, obs, "logits", False)}
        np.savez(os.path.join(HERE, f"actor_critic_mlp_op{opset}.ref.npz"), **{k: v.numpy().astype(np.float32) for k, v in arrays.items()})
        print(f"actor_critic_mlp_op{opset}.onnx: ops {sorted({n.op_type for n in onnx.load(path).graph.node})}")
        torch.manual_seed(99)
        episode = torch.randint(0, 2, (12, 4, 10, 10)).float()
        torch.manual_seed(1234)
        recurrent.export(f"lstm_breakout_op{opset}", recurrent.LstmPolicy(), ["h", "c"], [1, 1, recurrent.HIDDEN], 1, opset, episode)
    export_half_cnn()
    export_half_weights_mlp()


if __name__ == "__main__":
    main()
