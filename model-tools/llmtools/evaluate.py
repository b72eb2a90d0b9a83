"""Exact-match per skill on the held-out test conversations (PyTorch), for the stages trained so far.

    /usr/bin/python3 -m llmtools.evaluate [--stage sft] [--limit N] [--smoke]

What is scored and how: ``scoring``. Writes ``<cache>/<stage>/scores.json`` and ``transcripts.jsonl``, and for the
exported stage (all test conversations) the candidate's ``eval/scores.json`` and ``eval/pytorch-transcripts.jsonl``.
"""

import argparse
import sys

import torch

from . import config, scoring


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", action="append", help="stage(s) to score (default: all that exist)")
    parser.add_argument("--limit", type=int, help="score only the first N test conversations")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--smoke", action="store_true", help="the smoke run's cache (.cache/default-model-smoke)")
    args = parser.parse_args(argv)
    run = config.smoke() if args.smoke else config.DEFAULT
    torch.set_num_threads(args.threads)
    scoring.evaluate_stages(run, args.stage or list(run.stages), args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
