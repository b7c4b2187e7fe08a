#!/usr/bin/env python
"""The lever experiments on musicnn embeddings behind 09_quality's "Levers" table, on music-emotion-eval's folds.

    python tools/musicnn_levers.py patches --data ../shared/data/4q-dev/labels.csv --work /tmp/levers   # per-patch outputs (seconds from the eval's cache; cold, like the eval: 7-16 min on 2 cores)
    python tools/musicnn_levers.py linear  --data ... --work /tmp/levers    # linear-probe levers (about 2 min)
    python tools/musicnn_levers.py head    --data ... --work /tmp/levers    # head levers in a plain torch loop (about 2.5 min)
    python tools/musicnn_levers.py learner-linear --data ...                 # a linear quadrant head in the fastai Learner (1-2 min warm)

`patches` stores, for every clip, MSD and MTT musicnn's [penultimate, tags] of each 3 s patch (`patches.npz`) and the
pooled mid-end features that feed their dense back-ends (`pooled.npz`), read from the embedding cache that
`music-emotion-eval` fills (and filling it where it lacks a clip), so both see the very same numbers. The other
commands rebuild the eval's vectors (mean and std over patches, + the 147 handcrafted features) from them and report
mean ± sd over the eval's five grouped folds (seed 42). The `head` command trains a FeatureHead-like network in a
plain torch loop (Adam 1e-3, batch 32, at most 50 epochs, early stopping and plateau on the validation loss): compare
its rows with each other, not with the fastai head of the eval. `learner-linear` runs the eval's own Learner row
(`--backbone musicnn --features yes --head quadrant`) with `FeatureHead` swapped for one linear layer (dropout, then
4 logits): the linear probe's model inside fastai."""
import argparse, copy, json, os, sys, time
from pathlib import Path
import numpy as np
import torch
from torch import nn
from music_emotion.train import resolve_config
from music_emotion.data import scan_dataset, dataset_cache_dir, split_dataset, TARGETS
from music_emotion.quality import quadrant_of, corners, scores, summarise
from music_emotion.features import feature_table
from music_emotion.musicnn import pooled_table, pooled_outputs, _shared_musicnn, EMBEDDING_MODELS

def dataset(data):
    "The eval's songs (those with a quadrant), quadrant indices, targets, groups and its five folds' split labels."
    cfg = resolve_config(data_path=data, split='cv', fold=0, n_folds=5, backbone='musicnn', features=True, model_size='small')
    df, rep = scan_dataset(data, group_column=cfg.group_column)
    df = df[df.path.notna()].reset_index(drop=True)
    q = quadrant_of(df[list(TARGETS)].to_numpy('float64'))
    df = df[q >= 0].reset_index(drop=True); q = q[q >= 0]
    groups = df['group'].astype(str).to_numpy() if 'group' in df.columns else df.song_id.astype(str).to_numpy()
    folds = [split_dataset(df, 'cv', seed=cfg.seed, fold=k, n_folds=5, valid_pct=cfg.valid_pct).split.to_numpy() for k in range(5)]
    return cfg, df, rep, q, df[list(TARGETS)].to_numpy('float64'), groups, folds

def cmd_patches(a):
    "The per-patch arrays, from the eval's own embedding cache (`pooled_table`; clips missing there are computed into it)."
    cfg, df, rep, *_ = dataset(a.data)
    cache = dataset_cache_dir(rep, cfg.cache_dir)
    t0 = time.time()
    pooled, failed = pooled_table(df.path, cache, cfg.audio_config(), progress=True)
    if failed: sys.exit(f"{len(failed)} clip(s) without musicnn embeddings, e.g. {next(iter(failed.items()))}")
    ids = [str(i) for i in df.song_id]
    np.savez_compressed(a.work/'patches.npz', **dict(zip(ids, pooled_outputs(pooled)))); np.savez(a.work/'pooled.npz', **dict(zip(ids, pooled)))
    H, _ = feature_table(df.path, cache, cfg.audio_config()); np.save(a.work/'handcrafted.npy', H)
    print(f"{len(ids)} clips ({time.time() - t0:.0f} s)", flush=True)

def emb(P, idx=None):
    "Mean and std over patches of each model's [penultimate, tags], in `musicnn_embedding`'s order."
    if idx is not None: P = P[idx]
    return np.concatenate([f(P[:, 250 * m: 250 * (m + 1)], 0) for m in range(2) for f in (np.mean, np.std)])

def load(a):
    cfg, df, rep, q, Y, groups, folds = dataset(a.data)
    z = np.load(a.work/'patches.npz'); P = [z[str(i)] for i in df.song_id]
    H = np.load(a.work/'handcrafted.npy')
    return df, q, Y, groups, folds, P, H, np.concatenate([np.stack([emb(p) for p in P]), H], 1).astype('float32')

RESULTS = []   # every row reported, written to WORK/levers-<command>.json by main

def report(name, per_fold):
    s = summarise(per_fold)
    RESULTS.append(dict(recipe=name, **{k: v['folds'] for k, v in s.items()}))
    print(f"{name:55s} F1 {s['macro_f1']['mean']:.3f}±{s['macro_f1']['sd']:.3f}  val-sign {s['valence_sign_acc']['mean']:.3f}  "
          f"aro-sign {s['arousal_sign_acc']['mean']:.3f}  folds {[round(x, 4) for x in s['macro_f1']['folds']]}", flush=True)
    return s

def cmd_linear(a):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, GridSearchCV
    df, q, Y, groups, folds, P, H, AH = load(a)
    lin = lambda C=1e-3: make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=5000, class_weight='balanced'))
    rng = np.random.default_rng(0)
    def sel(p, n): return np.linspace(0, len(p) - 1, n).round().astype(int)
    def run(name, X, views=0, k=3):
        res = []
        for s in folds:
            tr, te = np.where(s != 'test')[0], np.where(s == 'test')[0]
            Xs = [X[tr]] + [np.stack([np.concatenate([emb(P[j], np.sort(rng.choice(len(P[j]), k, replace=False))), H[j]]) for j in tr]) for _ in range(views)]
            res.append(scores(corners(lin().fit(np.concatenate(Xs), np.tile(q[tr], len(Xs))).predict(X[te])), Y[te]))
        return report(name, res)
    run('linear probe, all patches + handcrafted (the eval row)', AH)
    run('linear, 3 patches + handcrafted', np.concatenate([np.stack([emb(p, sel(p, 3)) for p in P]), H], 1))
    run('linear, 1 patch (middle) + handcrafted', np.concatenate([np.stack([emb(p, sel(p, 1)) for p in P]), H], 1))
    run('linear, + 4 views of 3 random patches per song', AH, views=4, k=3)
    run('linear, + 4 views of 5 random patches per song', AH, views=4, k=5)
    for seed in (1, 2, 3):
        rng = np.random.default_rng(seed); run(f'linear, + 4 views of 3 random patches per song (seed {seed})', AH, views=4, k=3)
    res, chosen = [], []
    for s in folds:
        tr, te = np.where(s != 'test')[0], np.where(s == 'test')[0]
        gs = GridSearchCV(lin(), {'logisticregression__C': [3e-4, 1e-3, 3e-3, 1e-2]}, cv=GroupKFold(5), scoring='f1_macro').fit(AH[tr], q[tr], groups=groups[tr])
        chosen.append(gs.best_params_['logisticregression__C']); res.append(scores(corners(gs.predict(AH[te])), Y[te]))
    report(f'linear, C chosen by inner grouped CV {chosen}', res)
    res = []
    for s in folds:
        tr, te = np.where(s != 'test')[0], np.where(s == 'test')[0]
        pr = np.mean([lin().fit(AH[tr][i], q[tr][i]).predict_proba(AH[te]) for i, _ in GroupKFold(5).split(AH[tr], q[tr], groups[tr])], 0)
        res.append(scores(corners(pr.argmax(1)), Y[te]))
    report('linear, bag of 5 inner-fold models', res)

def head(n, hidden=256, d=0.3, n_out=2):
    return nn.Sequential(nn.BatchNorm1d(n), nn.Dropout(d), nn.Linear(n, hidden), nn.ReLU(), nn.BatchNorm1d(hidden), nn.Dropout(d), nn.Linear(hidden, n_out))

class Tuned(nn.Module):
    "MSD and MTT musicnn's back-ends (pooled mid-end -> penultimate, tags; pretrained), mean/std over patches, + handcrafted, standardised, -> a head."
    def __init__(self, mu, sd, n):
        super().__init__()
        self.be = nn.ModuleList(nn.ModuleDict({k: copy.deepcopy(getattr(_shared_musicnn(name), k)) for k in ('bn_pool', 'dense', 'bn_dense', 'head')})
                                for name in EMBEDDING_MODELS)
        self.register_buffer('mu', torch.tensor(mu)); self.register_buffer('sd', torch.tensor(sd))
        self.head = head(n)
    def forward(self, pooled, h):   # pooled: (B, patches, 2 * 1506)
        out = []
        for j, b in enumerate(self.be):
            x = pooled[:, :, 1506 * j:1506 * (j + 1)]; B, T, _ = x.shape
            pen = b['bn_dense'](torch.relu(b['dense'](b['bn_pool'](x.reshape(B * T, -1)))))
            f = torch.cat([pen, torch.sigmoid(b['head'](pen))], 1).reshape(B, T, -1)
            out += [f.mean(1), f.std(1, correction=0)]
        return self.head((torch.cat(out + [h], 1) - self.mu) / self.sd)

def fit(model, params, batches, va, epochs=50, patience=10, lr=1e-3, loss_fn=None):
    loss_fn = loss_fn or (lambda o, y: ((o - y) ** 2).mean())
    opt = torch.optim.Adam(params, lr=lr); sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.2, patience=3)
    best, bad, state = 1e9, 0, copy.deepcopy(model.state_dict())
    for ep in range(epochs):
        model.train()
        if hasattr(model, 'be'): model.be.eval()     # the back-ends keep their BN statistics and musicnn's dropout off
        for xb, yb in batches(ep):
            loss = loss_fn(model(*xb), yb); opt.zero_grad(); loss.backward(); opt.step()
        model.eval()
        with torch.no_grad(): vl = float(loss_fn(model(*va[0]), va[1]))
        sched.step(vl)
        if vl < best - 1e-4: best, bad, state = vl, 0, copy.deepcopy(model.state_dict())
        elif (bad := bad + 1) >= patience: break
    model.load_state_dict(state); return model

def batcher(X, y, bs=32, seed=0):
    def f(ep):
        idx = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed * 1000 + ep))
        for i in range(0, len(y), bs):
            j = idx[i:i + bs]
            if len(j) > 1: yield tuple(x[j] for x in X), y[j]
    return f

def cmd_head(a):
    df, q, Y, groups, folds, P, H, AH = load(a)
    torch.set_num_threads(1)
    split = lambda s: (np.where(s == 'train')[0], np.where(s == 'valid')[0], np.where(s == 'test')[0])
    def run(name, train_X=None, seeds=(0,), cls=False, sign=False):
        res = []
        for s in folds:
            tr, va, te = split(s)
            mu, sd, ym, ys = AH[tr].mean(0), AH[tr].std(0) + 1e-6, Y[tr].mean(0), Y[tr].std(0)
            Z = lambda X: torch.tensor((X - mu) / sd, dtype=torch.float32)
            T = ((lambda i: torch.tensor(q[i], dtype=torch.long)) if cls else (lambda i: torch.tensor((Y[i] > 5).astype('float32'))) if sign
                 else (lambda i: torch.tensor((Y[i] - ym) / ys, dtype=torch.float32)))
            loss_fn = nn.functional.cross_entropy if cls else nn.functional.binary_cross_entropy_with_logits if sign else None
            preds = []
            for seed in seeds:
                torch.manual_seed(seed); net = head(AH.shape[1], n_out=4 if cls else 2)
                tb = (batcher((Z(AH[tr]),), T(tr), seed=seed) if train_X is None else
                      (lambda ep, seed=seed: batcher((Z(train_X(tr, np.random.default_rng(seed * 1000 + ep))),), T(tr), seed=seed)(ep)))
                fit(net, net.parameters(), tb, ((Z(AH[va]),), T(va)), loss_fn=loss_fn).eval()
                with torch.no_grad(): o = net(Z(AH[te])); preds.append(torch.softmax(o, 1).numpy() if cls else torch.sigmoid(o).numpy() if sign else o.numpy() * ys + ym)
            p = np.mean(preds, 0)   # sign: P(side > 5) per axis, answered as the expected corner 3 + 4p
            res.append(scores(corners(p.argmax(1)) if cls else 3 + 4 * p if sign else p, Y[te]))
        return report(name, res)
    def rand_patches(k):
        return lambda tr, rng: np.stack([np.concatenate([emb(P[j], np.sort(rng.choice(len(P[j]), k, replace=False))), H[j]]) for j in tr])
    run('head (torch loop), all patches + handcrafted')
    run('classification head (4 quadrants, cross-entropy)', cls=True)
    run('classification head, ensemble of 5 seeds', cls=True, seeds=range(5))
    run('head, random 3 patches per song and epoch', rand_patches(3))
    run('head, random 1 patch per song and epoch', rand_patches(1))
    run('classification head + random 3 patches per song and epoch', rand_patches(3), cls=True)
    run('sign head: a logistic output per axis (BCE on the side of 5), expected corner', sign=True)
    run('head, ensemble of 5 seeds', seeds=range(5))
    z = np.load(a.work/'pooled.npz'); PO = torch.tensor(np.stack([z[str(i)] for i in df.song_id])); Ht = torch.tensor(H, dtype=torch.float32)
    for body_lr in (1e-4, 3e-5):
        r0, r1 = [], []
        for s in folds:
            tr, va, te = split(s)
            ym, ys = Y[tr].mean(0), Y[tr].std(0)
            T = lambda i: torch.tensor((Y[i] - ym) / ys, dtype=torch.float32)
            torch.manual_seed(0); m = Tuned(AH[tr].mean(0), AH[tr].std(0) + 1e-6, AH.shape[1])
            for p in m.be.parameters(): p.requires_grad_(False)
            fit(m, m.head.parameters(), batcher((PO[tr], Ht[tr]), T(tr)), ((PO[va], Ht[va]), T(va))).eval()
            with torch.no_grad(): r0.append(scores(m(PO[te], Ht[te]).numpy() * ys + ym, Y[te]))
            for p in m.be.parameters(): p.requires_grad_(True)   # the unfrozen phase: discriminative learning rates, back-ends lowest
            fit(m, [dict(params=m.be.parameters(), lr=body_lr), dict(params=m.head.parameters(), lr=body_lr * 3)], batcher((PO[tr], Ht[tr]), T(tr), seed=1),
                ((PO[va], Ht[va]), T(va)), epochs=20, patience=5).eval()
            with torch.no_grad(): r1.append(scores(m(PO[te], Ht[te]).numpy() * ys + ym, Y[te]))
        report('back-ends frozen (the same network, phase 1 only)', r0)
        report(f'+ unfrozen back-ends (lr {body_lr:g}, head {3 * body_lr:g})', r1)

def cmd_learner_linear(a):
    import music_emotion.model as M
    from music_emotion.quality import cross_validate
    class LinearHead(M.FeatureHead):
        "`FeatureHead` without its hidden layer and BN: dropout, then the output layer on the standardised vector."
        def __init__(self, cfg):
            nn.Module.__init__(self)
            self.cfg, self.body = cfg, nn.Sequential(nn.Dropout(cfg.dropout))
            self.fc = M.output_layer(self, cfg.n_features)
            nn.init.normal_(self.fc.weight, std=0.01); nn.init.zeros_(self.fc.bias)
    M.FeatureHead = LinearHead   # make_model looks the class up in its module
    r = cross_validate(a.data, baseline=False, progress=False, backbone='musicnn', features=True, head='quadrant')
    report('linear quadrant head in the Learner (--backbone musicnn --features yes --head quadrant, no hidden layer)', [
        {k: r['ours'][k]['folds'][i] for k in r['ours']} for i in range(r['folds'])])

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('command', choices=['patches', 'linear', 'head', 'learner-linear'])
    p.add_argument('--data', default='../shared/data/4q-dev/labels.csv')
    p.add_argument('--work', type=Path, default=Path('/tmp/musicnn_levers'))
    a = p.parse_args(); a.work.mkdir(parents=True, exist_ok=True)
    dict(patches=cmd_patches, linear=cmd_linear, head=cmd_head, learner_linear=cmd_learner_linear)[a.command.replace('-', '_')](a)
    if RESULTS: (a.work/f'levers-{a.command}.json').write_text(json.dumps(RESULTS, indent=1))
