#!/usr/bin/env python
"Train a valence/arousal model with `learn.fit` from the command line: labelled songs -> spectrogram cache -> DataLoaders -> learner -> model file."
from pathlib import Path
from fastcore.script import call_parse, Param
from fastai.torch_core import set_seed
from music_emotion.config import AudioConfig
from music_emotion.demo import make_demo
from music_emotion.data import scan_dataset, split_dataset
from music_emotion.cache import SpecCache
from music_emotion.dataloaders import get_dls
from music_emotion.model import make_model
from music_emotion.learner import make_learner, evaluate

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
    set_seed(seed, reproducible=True)
    data = data or make_demo('input/demo-fit', n_songs=120, duration_s=max_ms / 1000)
    df, report = scan_dataset(data)
    print(report.summary())
    df = split_dataset(df, seed=seed)
    cfg = AudioConfig(max_ms=max_ms, n_fft=1024, n_mels=n_mels)
    cache = SpecCache(Path(out).parent/'cache', cfg)
    cache.build(df.path.dropna())
    dls = get_dls(df, cache, bs=bs, seed=seed)
    learn = make_learner(dls, make_model(size, in_channels=cfg.channels), lr=lr, run_dir=Path(out).parent)
    learn.fit(epochs)
    pred, true, report = evaluate(learn)
    print({d: round(report[d]['pearson'], 3) for d in ('valence', 'arousal')}, '(validation Pearson r)')
    print('wrote', learn.export_model(out))
