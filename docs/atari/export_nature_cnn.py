"""Export a CleanRL/SB3-style Nature-CNN Atari policy to ONNX for SobolevRL (PyTorch >= 1.13).

    python3 export_nature_cnn.py --actions 4 --out breakout.onnx [--checkpoint agent.pt] [--q-values]

--checkpoint: a state_dict of the module below (CleanRL's ppo_atari Agent keys: network.*, actor.*, critic.*; with
--q-values, CleanRL's dqn_atari QNetwork keys: network.*). SB3 checkpoints map onto it by renaming
features_extractor.cnn.* / features_extractor.linear.* to network.* and action_net.* to actor.*. Without --checkpoint the
weights are random (to try the pipeline). The graph takes float32 frames in 0..255 (N x 4 x 84 x 84) and divides by
255 itself, so the model card's input scale stays 1. Then:  sobolevrl teacher card OUT.onnx --env ALE/<Game>-v5
"""
import argparse

import torch
from torch import nn


def nature_cnn():
    return nn.Sequential(
        nn.Conv2d(4, 32, 8, stride=4), nn.ReLU(),
        nn.Conv2d(32, 64, 4, stride=2), nn.ReLU(),
        nn.Conv2d(64, 64, 3, stride=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 512), nn.ReLU())


class Policy(nn.Module):
    def __init__(self, actions, q_values):
        super().__init__()
        if q_values:  # dqn_atari: one Sequential ending in the Q head
            self.network = nn.Sequential(*nature_cnn(), nn.Linear(512, actions))
        else:  # ppo_atari: a torso, an actor head (logits) and a critic head (not exported)
            self.network = nature_cnn()
            self.actor = nn.Linear(512, actions)
            self.critic = nn.Linear(512, 1)
        self.q_values = q_values

    def forward(self, frames):
        features = self.network(frames / 255.0)
        return features if self.q_values else self.actor(features)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--actions", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--checkpoint")
    parser.add_argument("--q-values", action="store_true")
    args = parser.parse_args()
    torch.manual_seed(0)
    policy = Policy(args.actions, args.q_values)
    if args.checkpoint:
        policy.load_state_dict(torch.load(args.checkpoint, map_location="cpu"))
    policy.eval()
    example = torch.zeros(1, 4, 84, 84)
    torch.onnx.export(policy, example, args.out, input_names=["obs"], output_names=["q_values" if args.q_values else "logits"],
                      dynamic_axes={"obs": {0: "batch"}}, opset_version=13)


if __name__ == "__main__":
    main()
