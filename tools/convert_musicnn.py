#!/usr/bin/env python
"""Convert musicnn's pretrained TensorFlow checkpoints (from the PyPI wheel musicnn==0.1.0) to music_emotion's musicnn weights files.

    python tools/convert_musicnn.py                      # pip download the pinned wheel, check its SHA-256, convert (make musicnn-weights)
    python tools/convert_musicnn.py --wheel musicnn-0.1.0-py3-none-any.whl   # an already downloaded wheel (its SHA-256 is checked too)

Writes music_emotion/musicnn_weights/{msd,mtt}_musicnn.pt (plain dicts of tensors and metadata, loadable with
torch.load(weights_only=True); see nbs/03b_musicnn.ipynb) and LICENSE.md next to them. Needs only the project's
environment: the checkpoints are read by tools/tf_bundle.py, without TensorFlow. The output is deterministic: running it
again gives the same bytes."""
import argparse, ast, hashlib, subprocess, sys, tempfile, zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT/'tools')]
import numpy as np
import torch
from tf_bundle import read_bundle
from music_emotion.musicnn import Musicnn, MUSICNN_FORMAT, MUSICNN_FORMAT_VERSION, load_musicnn
from music_emotion.files import atomic_torch_save, atomic_write

WHEEL = 'musicnn-0.1.0-py3-none-any.whl'
WHEEL_SHA256 = 'f38a4890c648c1ddbb141c5d96d2b0a8cfcd36746002d896989f7b88beb65cfa'   # measured on the wheel PyPI serves (29,292,476 bytes)
MODELS = {'msd': ('MSD_musicnn', 'MSD_LABELS'), 'mtt': ('MTT_musicnn', 'MTT_LABELS')}
OUT = ROOT/'music_emotion'/'musicnn_weights'

# our module -> TensorFlow layer name: tf.compat.v1.layers names layers by type, in the order build_musicnn creates them
CONVS = ['timbral.0', 'timbral.1', 'temporal.0', 'temporal.1', 'temporal.2', 'midend.0', 'midend.1', 'midend.2']
LAYERS = {'bn_input': 'batch_normalization', 'bn_pool': 'batch_normalization_9', 'dense': 'dense',
          'bn_dense': 'batch_normalization_10', 'head': 'dense_1'}
for i, c in enumerate(CONVS): LAYERS[f'{c}.conv'], LAYERS[f'{c}.bn'] = f'conv2d{"_" + str(i) if i else ""}', f'batch_normalization_{i + 1}'
BN = {'weight': 'gamma', 'bias': 'beta', 'running_mean': 'moving_mean', 'running_var': 'moving_variance'}

def tf_to_torch(ours: str, tf: dict) -> np.ndarray:
    "The tensor for our state-dict entry `ours` from the TensorFlow tensors `tf`."
    layer, what = ours.rsplit('.', 1)
    name = LAYERS[layer]
    if name.startswith('batch_normalization'): return tf[f'{name}/{BN[what]}']
    t = tf[f'{name}/{"kernel" if what == "weight" else "bias"}']
    if what == 'bias': return t
    if name.startswith('dense'): return t.T                                  # (in, out) -> (out, in)
    if layer.startswith('midend'): return t[:, :, 0, :].transpose(2, 1, 0)     # (time, channels, 1, out) -> Conv1d (out, channels, time)
    return t.transpose(3, 2, 1, 0)                                           # HWIO (time, freq, in, out) -> Conv2d (out, in, freq, time)

def sha256(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, 'rb') as f:
        for b in iter(lambda: f.read(1 << 20), b''): h.update(b)
    return h.hexdigest()

def get_wheel(tmp: Path) -> Path:
    subprocess.run([sys.executable, '-m', 'pip', 'download', 'musicnn==0.1.0', '--no-deps', '--only-binary', ':all:', '-d', str(tmp)], check=True)
    return tmp/WHEEL

def convert(wheel: Path, out: Path = OUT) -> list[Path]:
    got = sha256(wheel)
    if got != WHEEL_SHA256: sys.exit(f"{wheel}: SHA-256 {got} is not the pinned {WHEEL_SHA256}; refusing to convert")
    written = []
    with zipfile.ZipFile(wheel) as z, tempfile.TemporaryDirectory() as tmp:
        tree = ast.parse(z.read('musicnn/configuration.py'))
        labels = {t.id: ast.literal_eval(a.value) for a in tree.body if isinstance(a, ast.Assign) for t in a.targets}
        licence = z.read('musicnn-0.1.0.dist-info/LICENSE.md').decode()
        for short, (model, label_var) in MODELS.items():
            for suffix in ('.index', '.data-00000-of-00001'): z.extract(f'musicnn/{model}/{suffix}', tmp)
            tf = read_bundle(f'{tmp}/musicnn/{model}/')          # the prefix is the folder: files '.index', '.data-...'
            net = Musicnn()
            sd = {}
            for k, v in net.state_dict().items():
                if k.endswith('num_batches_tracked'): sd[k] = torch.zeros_like(v); continue
                t = torch.from_numpy(np.ascontiguousarray(tf_to_torch(k, tf)))
                if t.shape != v.shape: sys.exit(f"{model}: {k} has shape {tuple(t.shape)} in the checkpoint, expected {tuple(v.shape)}")
                sd[k] = t.clone()
            used = {f'{LAYERS[k.rsplit(".", 1)[0]]}/' for k in sd if not k.endswith('num_batches_tracked')}
            left = sorted(n for n in tf if not any(n.startswith(u) for u in used) and 'Adam' not in n and not n.endswith('_power'))
            if left: sys.exit(f"{model}: checkpoint tensors not converted: {left}")
            obj = dict(format=MUSICNN_FORMAT, format_version=MUSICNN_FORMAT_VERSION, model=model, arch=net.arch, tags=list(labels[label_var]),
                       source=dict(wheel=WHEEL, sha256=WHEEL_SHA256, checkpoint=f'musicnn/{model}/', licence='ISC',
                                   authors='Jordi Pons, Xavier Serra (Music Technology Group, Universitat Pompeu Fabra)'),
                       state_dict=sd)
            path = out/f'{short}_musicnn.pt'
            atomic_torch_save(obj, path)
            load_musicnn(str(path))                                  # the loader accepts it
            written.append(path)
            print(f"{model}: {len(sd)} tensors, {sum(t.numel() for t in sd.values() if t.is_floating_point()):,} values -> {path.relative_to(ROOT)}")
    atomic_write(out/'LICENSE.md', LICENCE_HEADER + licence.strip() + '\n')
    return written

LICENCE_HEADER = """# musicnn weights: licence and attribution

`msd_musicnn.pt` and `mtt_musicnn.pt` are the pretrained weights of musicnn's `MSD_musicnn` and `MTT_musicnn` models,
converted without change of value from the TensorFlow checkpoints in the PyPI wheel `musicnn==0.1.0`
(sha256 `f38a4890c648c1ddbb141c5d96d2b0a8cfcd36746002d896989f7b88beb65cfa`) by `tools/convert_musicnn.py`
(`make musicnn-weights`). If you use them, cite:

> Jordi Pons and Xavier Serra. *musicnn: pre-trained convolutional neural networks for music audio tagging.*
> Late-breaking/demo session, 20th International Society for Music Information Retrieval Conference (ISMIR), 2019.
> https://github.com/jordipons/musicnn

`MSD_musicnn` was trained on the Million Song Dataset (Last.fm tags), `MTT_musicnn` on MagnaTagATune.
musicnn is distributed under the ISC licence, reproduced here:

"""

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--wheel', type=Path, help=f'an already downloaded {WHEEL} (default: pip download it)')
    ap.add_argument('--out', type=Path, default=OUT, help='output folder (default: music_emotion/musicnn_weights)')
    a = ap.parse_args()
    if a.wheel: convert(a.wheel, a.out)
    else:
        with tempfile.TemporaryDirectory() as tmp: convert(get_wheel(Path(tmp)), a.out)

if __name__ == '__main__': main()
