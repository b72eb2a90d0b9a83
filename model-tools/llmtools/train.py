"""The project's default chat model, end to end: data, tokenizer, pre-training, fine-tuning, export, scores.

    /usr/bin/python3 -m llmtools.train default-model          # every stage; each resumes where it stopped
    /usr/bin/python3 -m llmtools.train prepare|pretrain|sft|plot|export|eval|publish
    /usr/bin/python3 -m llmtools.train default-model --smoke  # the whole pipeline on a tiny budget

Everything lives under ``.cache/default-model/`` (git-ignored; ``--smoke``: ``.cache/default-model-smoke/``),
the export's candidate folders too (``models/chat-default``, ``models/chat-default-fp16``); ``publish`` copies
them to ``../models/`` (run it alone, after checking the candidate through the platform) and only when their
scores meet the issue's bars (``scoring.BARS``). Each training stage resumes from its last validation
(``training``).

This is the command on top of the pipeline's layers: it only composes the stages (``dataset.prepare``,
``training``, ``candidate.export``, ``scoring``, ``candidate.publish``) for the run ``config`` describes.
"""

import argparse
import os
import random
import sys

import torch

from . import candidate, config, dataset, scoring, training
from .config import EXPORTED, SEED


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["default-model", "prepare", "pretrain", "sft", "export", "eval", "plot",
                                         "publish"])
    parser.add_argument("--max-minutes", type=float, default=0, help="stop a training stage after this long")
    parser.add_argument("--stage", default=EXPORTED, help="for eval/export: which stage's best.pt")
    parser.add_argument("--threads", type=int, default=1, help="1 is fastest on a busy 2-core machine")
    parser.add_argument("--smoke", action="store_true", help="tiny budget into .cache/default-model-smoke/")
    args = parser.parse_args(argv)
    run = config.smoke() if args.smoke else config.DEFAULT
    torch.set_num_threads(args.threads)
    random.seed(SEED)
    return pipeline(run, args.what, args.stage, args.max_minutes)


def pipeline(run: config.Run, what, stage=EXPORTED, max_minutes=0):
    """One command's steps in pipeline order (``default-model``: all but publish). 0, or 1 when publish refused."""
    everything = what == "default-model"
    if (everything or what == "prepare") and not os.path.exists(run.path("data.pt")):
        dataset.prepare(run)
    if what in run.stages:
        training.train_stage(run, run.stages[what], max_minutes)
    if everything:
        for name in run.stages:
            training.train_stage(run, run.stages[name], 0)
    if everything or what == "plot":
        training.plot(run)
    if everything or what == "export":
        candidate.export(run, stage)
    if everything or what == "eval":
        scoring.evaluate_stages(run, [stage])
    if everything:
        candidate.report_bars(run)
    if what == "publish":
        return 0 if candidate.publish(run) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
