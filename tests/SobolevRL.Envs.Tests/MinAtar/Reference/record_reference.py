#!/usr/bin/env python3
"""Records reference trajectories of a MinAtar game for SobolevRL's faithfulness tests.

Imports the user's own MinAtar checkout (the directory holding the `minatar` package, given by the
MINATAR_DIR environment variable), plays a seeded random action sequence through its `Environment`
(sticky actions and difficulty ramping as given) and writes one JSON fixture. With --actions, the
actions are read from FILE (whitespace-separated integers 0..5, played in order for every seed)
instead of drawn at random.

Usage:
    MINATAR_DIR=/path/to/MinAtar /usr/bin/python3 record_reference.py GAME OUT.json \
        [--seeds 0,1,2] [--steps 1500] [--action-weights 1,1,1,1,1,1] [--sticky 0.1] [--no-ramping]
        [--actions FILE]

GAME is the reference module name: asterix, breakout, freeway, seaquest or space_invaders.

Fixture format (version 1): a JSON object with the settings and one entry per seed in "runs". A run
is a list of events played in order on one environment: `env.seed(seed)` then `env.reset()` once,
afterwards `env.reset()` (without re-seeding) after every terminal step.
  "R <cells>"                        a reset
  "S <action> <reward> <t> <cells>"  a step with <action> in 0..5 (the full action set), the reward,
                                     and t = 1 when the step was terminal
where <cells> lists the cells that flipped since the previous observation (for the first reset of a
run: since an all-zero observation).
A cell is the index c*100 + y*10 + x of channel c, row y, column x (the CHW layout), written as two
base-36 digits, concatenated without separators.
"""
import argparse
import json
import os
import random
import re
import sys

import numpy as np

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def cell_code(index):
    return DIGITS[index // 36] + DIGITS[index % 36]


def chw_cells(state):
    """Indices of the set cells of a reference state (rows, cols, channels) in CHW order."""
    chw = np.transpose(np.asarray(state, dtype=bool), (2, 0, 1)).reshape(-1)
    return np.flatnonzero(chw)


def encode(indices):
    return "".join(cell_code(int(i)) for i in indices)


def format_reward(r):
    return str(int(r)) if float(r).is_integer() else repr(float(r))


def minatar_version(root):
    try:
        with open(os.path.join(root, "setup.py"), encoding="utf-8") as f:
            match = re.search(r"version\s*=\s*['\"]([^'\"]+)['\"]", f.read())
        return match.group(1) if match else "unknown"
    except OSError:
        return "unknown"


def record_run(Environment, game, seed, action_source, sticky, ramping):
    env = Environment(game, sticky_action_prob=sticky, difficulty_ramping=ramping)
    env.seed(seed)
    env.reset()
    prev_set = np.zeros(env.state_shape()[2] * 100, dtype=bool)
    events = []

    def observe(prefix):
        nonlocal prev_set
        now = np.zeros_like(prev_set)
        now[chw_cells(env.state())] = True
        events.append((prefix + " " + encode(np.flatnonzero(now ^ prev_set))).rstrip())
        prev_set = now

    observe("R")
    for a in action_source(seed):
        r, terminal = env.act(a)
        observe(f"S {a} {format_reward(r)} {int(bool(terminal))}")
        if terminal:
            env.reset()
            observe("R")
    return {"seed": seed, "events": events}, env.state_shape()[2]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("game")
    parser.add_argument("out")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--steps", type=int, default=1500, help="steps per seed")
    parser.add_argument("--action-weights", default="1,1,1,1,1,1", help="relative weights of actions 0..5")
    parser.add_argument("--sticky", type=float, default=0.1)
    parser.add_argument("--no-ramping", action="store_true")
    parser.add_argument("--actions", help="file of actions to play instead of random ones")
    args = parser.parse_args()

    root = os.environ.get("MINATAR_DIR")
    if not root or not os.path.isdir(os.path.join(root, "minatar")):
        sys.exit("set MINATAR_DIR to a MinAtar checkout (the directory that contains the 'minatar' package)")
    sys.path.insert(0, root)
    from minatar import Environment

    weights = [float(w) for w in args.action_weights.split(",")]
    if len(weights) != 6:
        sys.exit("--action-weights needs 6 numbers")
    if args.actions:
        with open(args.actions, encoding="utf-8") as f:
            given = [int(a) for a in f.read().split()]
        if any(a < 0 or a > 5 for a in given):
            sys.exit("--actions: every action must be in 0..5")

        def action_source(seed):
            return iter(given)
    else:
        def action_source(seed):
            rng = random.Random(1_000_003 * (seed + 1))
            return (rng.choices(range(6), weights=weights)[0] for _ in range(args.steps))

    ramping = not args.no_ramping
    runs, channels = [], None
    for seed in (int(s) for s in args.seeds.split(",")):
        run, channels = record_run(Environment, args.game, seed, action_source, args.sticky, ramping)
        runs.append(run)
    fixture = {
        "format": "sobolevrl-minatar-trajectory/1",
        "game": args.game,
        "minatar_version": minatar_version(root),
        "sticky_action_prob": args.sticky,
        "ramping": ramping,
        "channels": channels,
        "actions": "file " + os.path.basename(args.actions) if args.actions else f"random, weights {weights}",
        "runs": runs,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(fixture, f, indent=0)
        f.write("\n")


if __name__ == "__main__":
    main()
