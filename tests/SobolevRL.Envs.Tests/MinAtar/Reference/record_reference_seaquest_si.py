#!/usr/bin/env python3
"""Records MinAtar Seaquest and Space Invaders trajectories from the reference for the replay tests.

Usage:
    MINATAR_DIR=/path/to/MinAtar /usr/bin/python3 record_reference_seaquest_si.py [output_dir]

MINATAR_DIR is a checkout of github.com/kenjyoung/MinAtar at v1.0.15 (the folder holding the `minatar` package);
it is imported from there and never copied. Needs numpy only.

Each run seeds the reference Environment (sticky-action probability 0.1) and plays a fixed number of steps, resetting
after every terminal step. The action chosen by the policy (before the sticky-action substitution, which the replay
reproduces from the same seed) is recorded with the reward, the terminal flag and the observation. Output, one gzip
text file per game, <game>.txt.gz:

    run <seed> <ramping 0|1> <policy> <steps>    starts a run: Environment seeded with <seed>, then reset
    R <hex>                                      observation after a reset
    <action> <reward> <terminal 0|1> <hex>       one step

<hex> is the observation transposed to channels x rows x cols, flattened and packed 8 cells per byte, first cell in
the high bit (numpy.packbits). Runs use a uniformly random policy, or a simple scripted one (with 10% random
actions in Seaquest, 5% in Space Invaders) that lives longer and reaches the rarer rules: divers, six-diver
surfacing, full difficulty ramping, sub kills, cleared waves.
"""
import copy
import gzip
import io
import os
import sys

import numpy as np

NOOP, LEFT, UP, RIGHT, DOWN, FIRE = range(6)

# (seed, ramping, policy, steps); the policy generator is seeded with seed + 7919.
RUNS = {
    "seaquest": [
        (1, True, "random", 1500),
        (2, True, "random", 1500),
        (3, True, "scripted", 2500),
        (4, True, "scripted", 2500),
        (5, False, "scripted", 1500),
        (115, True, "scripted", 2500),  # has two enemy bullets on one cell, moving the same way
    ],
    "space_invaders": [
        (11, True, "random", 1500),
        (12, True, "random", 1500),
        (13, True, "scripted", 2500),
        (14, True, "scripted", 2500),
        (15, False, "scripted", 1500),
    ],
}


def random_policy(game, rng):
    return int(rng.randint(6))


def seaquest_policy(game, rng):
    if rng.rand() < 0.1:
        return int(rng.randint(6))
    x, y = game.sub_x, game.sub_y
    enemies = game.e_fish + game.e_subs
    can_rise = y > 1 or game.diver_count != 0

    def closing_in(e):
        gap = x - e[0] if e[2] else e[0] - x
        return e[1] == y and 0 <= gap <= 1

    if any(closing_in(e) for e in enemies + game.e_bullets):
        return UP if can_rise and rng.rand() < 0.5 else DOWN
    if game.diver_count >= 6 or (game.diver_count > 0 and game.oxygen < 40):
        return UP
    if game.diver_count < 0 and rng.rand() < 0.7:
        # After a six-diver surfacing the count is negative and surfacing is free: bob to ramp the difficulty up.
        return DOWN if y == 0 else UP
    if game.e_subs:
        # Hunt the enemy sub nearest in rows: line up, face it, fire.
        s = min(game.e_subs, key=lambda s: abs(s[1] - y))
        if s[1] > y:
            return DOWN
        if s[1] < y and can_rise:
            return UP
        if s[1] == y:
            if (s[0] > x) != game.sub_or:
                return RIGHT if s[0] > x else LEFT
            return FIRE if game.shot_timer == 0 else NOOP
    if game.shot_timer == 0 and any(e[1] == y and (e[0] > x) == game.sub_or for e in enemies):
        return FIRE
    if game.divers:
        d = min(game.divers, key=lambda d: abs(d[0] - x) + abs(d[1] - y))
        if d[1] > y:
            return DOWN
        if d[1] < y and can_rise:
            return UP
        if d[0] != x:
            return RIGHT if d[0] > x else LEFT
        return NOOP
    return DOWN if y < 4 else (UP if y > 4 else NOOP)


def space_invaders_policy(game, rng):
    if rng.rand() < 0.05:
        return int(rng.randint(6))
    pos = game.pos

    def threatened(col):
        return game.e_bullet_map[4:9, col].any() or game.alien_map[8:10, col].any()

    if threatened(pos):
        for step in (LEFT, RIGHT) if rng.rand() < 0.5 else (RIGHT, LEFT):
            col = pos - 1 if step == LEFT else pos + 1
            if 0 <= col <= 9 and not threatened(col):
                return step
        return NOOP
    # Columns where a bullet fired now would meet an alien: play the aliens forward on a copy of the game.
    future = copy.deepcopy(game)
    hits = set()
    for k in range(1, 10):
        future.act(NOOP)
        hits.update(np.flatnonzero(future.alien_map[9 - k]))
    if game.shot_timer == 0 and pos in hits:
        return FIRE
    targets = np.array(sorted(hits)) if hits else np.flatnonzero(game.alien_map.any(axis=0))
    target = targets[np.argmin(np.abs(targets - pos))]
    if target != pos:
        col = pos + (1 if target > pos else -1)
        if not threatened(col):
            return RIGHT if target > pos else LEFT
    return NOOP


POLICIES = {
    ("seaquest", "random"): random_policy,
    ("seaquest", "scripted"): seaquest_policy,
    ("space_invaders", "random"): random_policy,
    ("space_invaders", "scripted"): space_invaders_policy,
}


def encode(state):
    chw = np.transpose(state, (2, 0, 1)).astype(bool).ravel()
    return np.packbits(chw).tobytes().hex()


def record(Environment, game_name, out):
    for seed, ramping, policy_name, steps in RUNS[game_name]:
        policy = POLICIES[(game_name, policy_name)]
        env = Environment(game_name, sticky_action_prob=0.1, difficulty_ramping=ramping)
        env.seed(seed)
        env.reset()
        policy_rng = np.random.RandomState(seed + 7919)
        out.write(f"run {seed} {int(ramping)} {policy_name} {steps}\n")
        out.write(f"R {encode(env.state())}\n")
        for _ in range(steps):
            action = policy(env.env, policy_rng)
            reward, terminal = env.act(action)
            out.write(f"{action} {int(reward)} {int(terminal)} {encode(env.state())}\n")
            if terminal:
                env.reset()
                out.write(f"R {encode(env.state())}\n")


def main():
    minatar_dir = os.environ.get("MINATAR_DIR")
    if not minatar_dir:
        sys.exit("set MINATAR_DIR to a MinAtar v1.0.15 checkout")
    sys.path.insert(0, minatar_dir)
    from minatar import Environment

    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for game_name in RUNS:
        path = os.path.join(out_dir, f"{game_name}.txt.gz")
        text = io.StringIO()
        record(Environment, game_name, text)
        # mtime=0 keeps the file byte-identical across re-recordings.
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            gz.write(text.getvalue().encode())
        print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
