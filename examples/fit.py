#!/usr/bin/env python
"Train a valence/arousal model with `learn.fit` from the command line: labelled songs -> spectrogram cache -> DataLoaders -> learner -> model file."
import contextlib, sys
from pathlib import Path
from fastcore.script import call_parse, Param   # light: torch and fastai load inside main, so --help answers at once

@call_parse
def main(data: Param("a DEAM folder or a labels CSV (default: generate the demo dataset in input/demo-fit)", str) = None,
         out: Param("the model file to write", str) = 'models/fit/model.pt',
         epochs: Param("epochs", int) = 20,
         bs: Param("songs per batch", int) = 16,
         lr: Param("learning rate", float) = 1e-3,
         size: Param("model preset: full, small or tiny", str) = 'small',
         max_ms: Param("clip length in ms", int) = 15000,
         n_mels: Param("mel bands", int) = 64,
         seed: Param("random seed", int) = 42):
    from fastai.torch_core import set_seed
    from music_emotion.config import AudioConfig
    from music_emotion.demo import make_demo
    from music_emotion.data import scan_dataset, split_dataset
    from music_emotion.cache import SpecCache
    from music_emotion.dataloaders import get_dls
    from music_emotion.model import make_model
    from music_emotion.learner import make_learner, evaluate, PlainProgress
    tty = sys.stdout.isatty() and sys.stderr.isatty()   # piped to a file: one line per epoch, no progress bars
    set_seed(seed, reproducible=True)
    data = data or make_demo('input/demo-fit', n_songs=120, duration_s=max_ms / 1000, progress=tty)
    df, report = scan_dataset(data)
    print(report.summary())
    df = split_dataset(df, seed=seed)
    cfg = AudioConfig(max_ms=max_ms, n_fft=1024, n_mels=n_mels)
    cache = SpecCache(Path(out).parent/'cache', cfg)
    cache.build(df.path.dropna(), progress=tty)
    dls = get_dls(df, cache, bs=bs, seed=seed)
    learn = make_learner(dls, make_model(size, in_channels=cfg.channels), lr=lr, run_dir=Path(out).parent)
    with contextlib.nullcontext() if tty else learn.no_bar(), contextlib.nullcontext() if tty else learn.added_cbs(PlainProgress()):
        learn.fit(epochs)
    pred, true, report = evaluate(learn)
    print({d: round(report[d]['pearson'], 3) for d in ('valence', 'arousal')}, '(validation Pearson r)')
    print('wrote', learn.export_model(out))
