#!/usr/bin/env python3
"""PyTorch reference for `sobolevrl bench label` and `bench train`: the same two workloads, timed the same way,
so the ratios the benches print can be reproduced from this repository alone.

Run with Debian's PyTorch (`apt-get install python3-torch`, then `/usr/bin/python3 torch_reference.py --workload
minatar`). Prints one JSON line: label_states_per_s, train_steps_per_s_plain, train_steps_per_s_sobolev.

Workloads (the C# side builds the identical networks, src/SobolevRL.Experiments/Bench/LabelWorkload.cs and TrainWorkload.cs):
- nature:  teacher Nature-DQN CNN on 4x84x84 (conv 32 8x8 stride 4, conv 64 4x4 stride 2, conv 64 3x3, fc 512,
           6 actions), pixels scaled by 1/255 in front of the network; student the same at half width.
- minatar: teacher on 4x10x10 binary grids (conv 16 3x3, fc 128, 6 actions); student conv 8, fc 64.
Labelling: batch 64, teacher log-softmax and one vector-Jacobian product per state with a random unit vector in
action space, no parameter gradients. Training: batch 32, Adam lr 1e-4, KL(teacher || student) at temperature 1;
the Sobolev step adds lam * mean over states of the squared L2 distance between the student's and the teacher's
VJPs with the same vectors (double backward through the student).
Timing: two warm-up calls, then calls until at least --seconds have passed and at least 5 calls were made.
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F
from torch import nn

ACTIONS = 6
LABEL_BATCH = 64
TRAIN_BATCH = 32


def conv_net(in_shape, convs, hidden):
    """Convolutions (channels, kernel, stride) with ReLU, then one hidden fully connected layer and the action head."""
    layers, channels, size = [], in_shape[0], in_shape[1]
    for out_channels, kernel, stride in convs:
        layers += [nn.Conv2d(channels, out_channels, kernel, stride), nn.ReLU()]
        channels, size = out_channels, (size - kernel) // stride + 1
    layers += [nn.Flatten(), nn.Linear(channels * size * size, hidden), nn.ReLU(), nn.Linear(hidden, ACTIONS)]
    return nn.Sequential(*layers)


def build(name):
    """(teacher, student, states, input scale) of a workload, drawn from the global generator (seeded by the caller)."""
    if name == "nature":
        shape = (4, 84, 84)
        teacher = conv_net(shape, [(32, 8, 4), (64, 4, 2), (64, 3, 1)], 512)
        student = conv_net(shape, [(16, 8, 4), (32, 4, 2), (32, 3, 1)], 256)
        states = torch.randint(0, 256, (LABEL_BATCH,) + shape).float()
        return teacher, student, states, 1.0 / 255.0
    shape = (4, 10, 10)
    teacher = conv_net(shape, [(16, 3, 1)], 128)
    student = conv_net(shape, [(8, 3, 1)], 64)
    states = (torch.rand((LABEL_BATCH,) + shape) > 0.8).float()
    return teacher, student, states, 1.0


def calls_per_second(call, min_seconds):
    call()
    call()
    calls, start = 0, time.perf_counter()
    while True:
        call()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds and calls >= 5:
            return calls / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", choices=["nature", "minatar"], default="nature")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--lam", type=float, default=1.0, help="weight of the Sobolev term")
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    teacher, student, states, scale = build(args.workload)
    teacher.eval()
    teacher.requires_grad_(False)

    def label():
        x = states.clone().requires_grad_(True)
        log_policy = F.log_softmax(teacher(x * scale), dim=-1)
        directions = F.normalize(torch.randn(states.shape[0], ACTIONS), dim=-1)
        (vjp,) = torch.autograd.grad((log_policy * directions).sum(), x)
        return log_policy.detach(), directions, vjp

    teacher_log_policy, directions, teacher_vjp = (t[:TRAIN_BATCH] for t in label())
    batch = states[:TRAIN_BATCH]
    optimizer = torch.optim.Adam(student.parameters(), lr=1e-4)

    def train_step(sobolev):
        x = batch.clone().requires_grad_(sobolev)
        log_policy = F.log_softmax(student(x * scale), dim=-1)
        loss = (teacher_log_policy.exp() * (teacher_log_policy - log_policy)).sum(-1).mean()
        if sobolev:
            (vjp,) = torch.autograd.grad((log_policy * directions).sum(), x, create_graph=True)
            loss = loss + args.lam * (vjp - teacher_vjp).pow(2).flatten(1).sum(-1).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    print(json.dumps({
        "peer": "pytorch",
        "script": "tests/benchmarks/peer/torch_reference.py",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "workload": args.workload,
        "label_states_per_s": LABEL_BATCH * calls_per_second(label, args.seconds),
        "train_steps_per_s_plain": calls_per_second(lambda: train_step(False), args.seconds),
        "train_steps_per_s_sobolev": calls_per_second(lambda: train_step(True), args.seconds),
    }))


if __name__ == "__main__":
    main()
