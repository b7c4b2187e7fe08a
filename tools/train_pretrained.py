#!/usr/bin/env python
"""Train the shipped real-music model: the recipe that `music-emotion-eval` chose, on all of 4QAED's development part.

    python tools/train_pretrained.py ../shared/data/4q-dev/labels.csv --eval-json q.json [training flags]

Trains with every song (10 % of the artists validate, for early stopping; no test split: the cross-validated scores
of the same recipe, from --eval-json, are what the model card reports), then writes
music_emotion/pretrained/model.pt and music_emotion/pretrained/MODEL_CARD.md. The audio itself never enters the repo."""
import argparse, json, shutil, sys, tempfile
from pathlib import Path
from music_emotion.train import train
from music_emotion.config import add_train_flags

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT/'music_emotion'/'pretrained'

CARD = """# music_emotion pretrained model: 4QAED quadrants

- **What it predicts**: valence and arousal on DEAM's 1..9 scale (valence first) from 30 s of audio (longer songs:
  windows averaged), with {arch} ({n_params:,} trained parameters, {size_kb:.0f} kB).
- **Trained on**: the development part of 4QAED (Panda, Malheiro & Paiva, "Novel audio features for music emotion
  recognition", IEEE Transactions on Affective Computing, 2018): {n_songs} AllMusic 30 s preview clips by {n_groups}
  artists, 135 per quadrant; {n_train} songs trained, {n_valid} (other artists) validated for early stopping.
- **Labels**: quadrants of the valence-arousal plane, learnt as their corners (Q1 7/7, Q2 3/7, Q3 3/3, Q4 7/3).
  They are **not listener ratings**: read the output as a quadrant (its side of 5 on each axis) and a confidence
  (its distance from 5), not as a DEAM rating. Pearson r against corners is a coarse measure.
- **Cross-validated quality of this recipe** (`music-emotion-eval`, 5 folds grouped by artist, stratified by
  quadrant, the same folds for every row; mean ± sd over the folds):

{table}

  Published systems on all 900 clips reach 0.764 (Panda 2018) and 0.802 (Louro et al. 2024).
- **Settings**: {settings}; made by `tools/train_pretrained.py` ({epochs_run} epochs, the best at epoch {best_epoch};
  on its {n_valid} validation songs: quadrant macro F1 {valid_f1:.3f}).
- **Use**: research only, like the dataset; cite the paper above. Music outside AllMusic's popular genres, and
  music without a clear mood, are outside what it saw.
- **Licences**: this model file, Apache-2.0 like `music_emotion`{licences}.
"""

ROWS = (('ours', 'this recipe'), ('linear', 'linear probe: logistic regression on the same vectors, + 4 patch views per training song'),
        ('baseline', 'baseline: librosa features + SVM'), ('fusion', 'late fusion of this recipe and the baseline'))

def eval_rows(ev: dict) -> str:
    "The card's table of the eval's systems."
    m = lambda s, k: f"{ev[s][k]['mean']:.3f} ± {ev[s][k]['sd']:.3f}"
    lines = ['  | system | macro F1 | accuracy | valence sign acc. | arousal sign acc. |', '  |---|---|---|---|---|']
    lines += [f"  | {name} | {m(k, 'macro_f1')} | {m(k, 'accuracy')} | {m(k, 'valence_sign_acc')} | {m(k, 'arousal_sign_acc')} |"
              for k, name in ROWS if k in ev]
    return '\n'.join(lines)

def describe(cfg, n_params: int) -> tuple[str, str]:
    "(the architecture in words, the extra licence text) of a run's config."
    if cfg.backbone == 'musicnn':
        feats = ' and the 147 handcrafted features' if cfg.features else ''
        return (f"a small head trained over the embeddings of musicnn's pretrained MSD and MTT music taggers{feats} "
                "(transfer learning, `--backbone musicnn`)",
                "; the musicnn weights it runs (`music_emotion/musicnn_weights/`, converted from the `musicnn` 0.1.0 wheel) are "
                "ISC-licensed, by Jordi Pons and Xavier Serra (\"musicnn: pre-trained convolutional neural networks for music "
                "audio tagging\", 2019)")
    return f"the `{cfg.model_size}` residual CNN of `music_emotion`", ''


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('data_path'); ap.add_argument('--eval-json', required=True)
    add_train_flags(ap, exclude=('data_path', 'demo', 'split', 'fold', 'n_folds', 'test_pct', 'run_name', 'models_dir', 'log_dir', 'demo_songs'), defaults={})
    a = vars(ap.parse_args())
    ev = json.loads(Path(a.pop('eval_json')).read_text())
    settings = {k: v for k, v in a.items() if v is not None and k != 'data_path'}
    work = Path(tempfile.mkdtemp(prefix='music_emotion_pretrained_'))
    r = train(data_path=a['data_path'], split='random', test_pct=0.0, run_name='pretrained', models_dir=str(work/'models'),
              log_dir=str(work/'runs'), **settings)
    OUT.mkdir(exist_ok=True)
    shutil.copyfile(r.run_dir/'model.pt', OUT/'model.pt')
    from music_emotion.inference import load_model
    em = load_model(OUT/'model.pt')
    n_params = sum(p.numel() for p in em.model.parameters())
    arch, licences = describe(r.config, n_params)
    (OUT/'MODEL_CARD.md').write_text(CARD.format(
        arch=arch, licences=licences, n_params=n_params, size_kb=(OUT/'model.pt').stat().st_size / 1024,
        n_songs=ev['n_songs'], n_groups=ev['n_groups'], n_train=r.metrics['n_train'], n_valid=r.metrics['n_valid'],
        table=eval_rows(ev), epochs_run=r.metrics['epochs_run'],
        best_epoch=r.metrics['best_epoch'], valid_f1=r.metrics['valid']['quadrant']['macro_f1'],
        settings=', '.join(f"`{k}={v}`" for k, v in ev['settings'].items() if (k in settings or k in ('backbone', 'model_size', 'crop_ms', 'epochs', 'patience')) and k not in ('cache_dir', 'num_workers'))))
    print(f"wrote {OUT/'model.pt'} and {OUT/'MODEL_CARD.md'}")

if __name__ == '__main__': sys.exit(main())
