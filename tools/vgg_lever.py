#!/usr/bin/env python
"""Issue 20's "VGG pair" lever: do musicnn's MSD_vgg and MTT_vgg taggers add anything to the eval's linear probe?

A measurement, not a port: nothing in the library uses it, and CI never runs it (it needs TensorFlow and the
4q-dev audio). Two steps, each in its own environment:

    # 1. a throwaway TensorFlow venv OUTSIDE the repo (this recipe worked: Python 3.11, tensorflow-cpu 2.21.0,
    #    tf-keras 2.21.0, librosa 0.11.0, numpy 2.4.6, soundfile 0.14.0, musicnn 0.1.0 without its deps)
    python3 -m venv /tmp/tfvenv
    /tmp/tfvenv/bin/pip install 'tensorflow-cpu~=2.21' 'tf-keras~=2.21' librosa numpy soundfile
    /tmp/tfvenv/bin/pip download musicnn==0.1.0 --no-deps -d /tmp/mw && /tmp/tfvenv/bin/pip install --no-deps /tmp/mw/*.whl
    nice -n 19 /tmp/tfvenv/bin/python tools/vgg_lever.py extract     # -> /tmp/vgg/vgg_patches.npz (2.5 min cold, nice 19, on 2 shared cores)

    # 2. the linear probe, with the project's venv, on tools/musicnn_levers.py's arrays (/tmp/musicnn_levers:
    #    patches.npz and handcrafted.npy, from `musicnn_levers.py patches`)
    PYTHONPATH=$PWD .venv/bin/python tools/vgg_lever.py linear       # -> /tmp/vgg/levers-vgg.json

`extract` decodes the first 30 s of each clip of labels.csv mono at 16 kHz (librosa.load, as musicnn does; a shorter
clip is padded with silence to 30 s so that every clip has the 10 patches of musicnn_levers' arrays), computes
musicnn's log-mel (log10(1 + 10⁴·mel power)) in float32 (musicnn's float16 cast overflows to inf under numpy 2), cuts
musicnn's side-by-side 3 s patches (187 frames, `extractor(input_overlap=False)`), and runs both VGG graphs itself on
all patches of a clip (musicnn's `extractor()` returns the first patch's features for every patch). Per patch and
model it stores [pool5 flattened (2 time x 1 mel x 128 filters = 256: exactly the input of the tag layer), the 50 tag
probabilities] = 306 values; per clip an array (patches, 612): MSD_vgg then MTT_vgg, as musicnn_levers' MSD then MTT.

`linear` rebuilds the eval's vectors (mean and std over patches, + the 147 handcrafted features) and reports, on the
eval's five grouped folds with musicnn_levers' LogisticRegression(C=1e-3, balanced) in a StandardScaler pipeline:
(a) the reference (musicnn + handcrafted), (b) the VGG pair alone, (b') VGG pair + handcrafted, (c) musicnn + VGG pair
+ handcrafted, and (d) (c) with 4 views of 3 random patches per training song (the same patches for musicnn and VGG,
drawn as musicnn_levers' views rows, seeds 0-3, so its musicnn-only rows (d0) are reproduced alongside). Each with-VGG
row is also given as its per-fold difference from the row without VGG (the folds are shared). About 4 min."""
import argparse, json, os, sys, time
from pathlib import Path
import numpy as np

VGG_MODELS = ('MSD_vgg', 'MTT_vgg')
W = 256 + 50          # per model and patch: pool5 flattened, tags
SECONDS, SR, N_FRAMES = 30, 16000, 187

def cmd_extract(a):
    os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')      # Keras 3 breaks tf.compat.v1.layers; tf-keras does not
    import csv, librosa, tensorflow as tf
    tf.compat.v1.disable_eager_execution()
    from musicnn import models, configuration as config
    sessions = []
    for name in VGG_MODELS:
        g = tf.Graph()
        with g.as_default():
            with tf.name_scope('model'):     # as musicnn's extractor: the checkpoints' variable names
                x = tf.compat.v1.placeholder(tf.float32, [None, N_FRAMES, config.N_MELS])
                is_training = tf.compat.v1.placeholder(tf.bool)
                y, *_, pool5 = models.define_model(x, is_training, name, len(config.MSD_LABELS))
                outs = [tf.compat.v1.layers.flatten(pool5), tf.nn.sigmoid(y)]
            sess = tf.compat.v1.Session(graph=g, config=tf.compat.v1.ConfigProto(intra_op_parallelism_threads=a.threads, inter_op_parallelism_threads=1))
            tf.compat.v1.train.Saver().restore(sess, os.path.dirname(models.__file__) + '/' + name + '/')
        sessions.append((sess, x, is_training, outs))
    rows = list(csv.DictReader(open(a.data)))
    out, t0, t_dec = {}, time.time(), 0.0
    for i, r in enumerate(rows):
        t = time.time()
        wav, _ = librosa.load(Path(a.data).parent / r['path'], sr=SR, mono=True, duration=SECONDS)
        wav = np.pad(wav, (0, max(0, SECONDS * SR - len(wav))))
        mel = librosa.feature.melspectrogram(y=wav, sr=SR, hop_length=config.FFT_HOP, n_fft=config.FFT_SIZE, n_mels=config.N_MELS).T
        logmel = np.log10(10000 * mel.astype(np.float32) + 1)                   # float32, not musicnn's float16
        batch = np.stack([logmel[s:s + N_FRAMES] for s in range(0, logmel.shape[0] - N_FRAMES + 1, N_FRAMES)])
        t_dec += time.time() - t
        per = [np.concatenate(sess.run(o, feed_dict={x: batch, it: False}), 1) for sess, x, it, o in sessions]
        v = np.concatenate(per, 1).astype('float32')
        assert v.shape == (len(batch), 2 * W) and np.isfinite(v).all(), (r['song_id'], v.shape)
        out[r['song_id']] = v
        if i % 50 == 0: print(f"{i}/{len(rows)} clips ({time.time() - t0:.0f} s, decoding+mel {t_dec:.0f} s)", flush=True)
    np.savez_compressed(a.vgg/'vgg_patches.npz', **out)
    print(f"{len(out)} clips, patches per clip {sorted({v.shape[0] for v in out.values()})}, width {2 * W}: "
          f"{time.time() - t0:.0f} s (decoding+mel {t_dec:.0f} s)", flush=True)

def embv(V, idx=None):
    "Mean and std over patches of each VGG model's [pool5, tags], in the order of musicnn_levers.emb."
    if idx is not None: V = V[idx]
    return np.concatenate([f(V[:, W * m: W * (m + 1)], 0) for m in range(2) for f in (np.mean, np.std)])

def cmd_linear(a):
    sys.path.insert(0, str(Path(__file__).parent))
    import musicnn_levers as ml
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.linear_model import LogisticRegression
    from music_emotion.quality import corners, scores
    df, q, Y, groups, folds, P, H, AH = ml.load(argparse.Namespace(data=a.data, work=a.work))
    z = np.load(a.vgg/'vgg_patches.npz'); V = [z[str(i)] for i in df.song_id]
    assert all(len(v) == len(p) for v, p in zip(V, P)), "VGG and musicnn patch counts differ"
    E = np.stack([ml.emb(p) for p in P]); EV = np.stack([embv(v) for v in V])
    print(f"{len(df)} songs; widths: musicnn {E.shape[1]}, VGG pair {EV.shape[1]}, handcrafted {H.shape[1]}", flush=True)
    lin = lambda: make_pipeline(StandardScaler(), LogisticRegression(C=1e-3, max_iter=5000, class_weight='balanced'))
    def run(name, X, view=None, views=0, k=3, seed=0):
        rng, res, t0 = np.random.default_rng(seed), [], time.time()
        for s in folds:
            tr, te = np.where(s != 'test')[0], np.where(s == 'test')[0]
            Xs = [X[tr]] + [np.stack([view(j, np.sort(rng.choice(len(P[j]), k, replace=False))) for j in tr]) for _ in range(views)]
            res.append(scores(corners(lin().fit(np.concatenate(Xs), np.tile(q[tr], len(Xs))).predict(X[te])), Y[te]))
        r = ml.report(name, res); print(f"    ({X.shape[1]} features, {time.time() - t0:.0f} s)", flush=True); return r
    mus = lambda j, idx: np.concatenate([ml.emb(P[j], idx), H[j]])
    both = lambda j, idx: np.concatenate([ml.emb(P[j], idx), embv(V[j], idx), H[j]])
    def delta(name, with_vgg, without):   # paired by fold: the folds' spread is shared, the difference is what VGG adds
        d = np.array(with_vgg['macro_f1']['folds']) - np.array(without['macro_f1']['folds'])
        print(f"    {name}: macro F1 difference per fold {[round(float(x), 4) for x in d]}, mean {d.mean():+.3f}, sd {d.std(ddof=1):.3f}", flush=True)
    ra = run('(a) musicnn, all patches + handcrafted (the eval row)', AH)
    run('(b) VGG pair alone', EV)
    run("(b') VGG pair + handcrafted", np.concatenate([EV, H], 1))
    MVH = np.concatenate([E, EV, H], 1)
    delta('(c) - (a)', run('(c) musicnn + VGG pair + handcrafted', MVH), ra)
    for seed in range(a.seeds):
        r0 = run(f'(d0) musicnn + handcrafted, + 4 views of 3 random patches (seed {seed})', AH, mus, views=4, seed=seed)
        delta(f'(d) - (d0), seed {seed}', run(f'(d) musicnn + VGG pair + handcrafted, + 4 views of 3 random patches (seed {seed})', MVH, both, views=4, seed=seed), r0)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('command', choices=['extract', 'linear'])
    p.add_argument('--data', default='../shared/data/4q-dev/labels.csv')
    p.add_argument('--work', type=Path, default=Path('/tmp/musicnn_levers'), help="musicnn_levers' arrays (linear)")
    p.add_argument('--vgg', type=Path, default=Path('/tmp/vgg'), help='where vgg_patches.npz and levers-vgg.json go')
    p.add_argument('--threads', type=int, default=2, help='TensorFlow intra-op threads (extract)')
    p.add_argument('--seeds', type=int, default=4, help='view draws for (d0)/(d): seeds 0..n-1, as musicnn_levers seeds 0-3 (linear)')
    a = p.parse_args(); a.vgg.mkdir(parents=True, exist_ok=True)
    if a.command == 'extract': cmd_extract(a)
    else:
        cmd_linear(a)
        import musicnn_levers as ml
        (a.vgg/'levers-vgg.json').write_text(json.dumps(ml.RESULTS, indent=1))
