#!/usr/bin/env python
"""Run the notebook tests with `nbdev_test` and end with a plain `N passed, N failed` line counting notebooks.

    python tools/run_tests.py [--flags "slow"] [--n_workers 2] [--path nbs/00_audio.ipynb]

nbdev_test runs every code cell of every notebook (cells flagged with a `tst_flags` flag from settings.ini only
when that flag is passed in --flags) and stops a notebook at its first failing cell."""
import argparse, os, re, subprocess, sys, time
from pathlib import Path

NOISE = re.compile(r'^(Note: |\[src/libmpg123|Warning: Xing stream size|Warning: Encountered more data)')

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--flags', default='', help='space-separated test flags to run (e.g. "slow")')
    ap.add_argument('--n_workers', type=int, default=2)
    ap.add_argument('--path', default=None, help='one notebook or a glob (default: all)')
    ap.add_argument('--timeout', type=float, default=4800, help='seconds before the whole run counts as failed')
    ap.add_argument('--kernel', nargs='*', default=None,
                    help='notebooks also executed in a real Jupyter kernel (tools/run_notebooks.py: no error output, figures as PNG); '
                         'default: the tutorial and the explorer when every notebook is tested, none with --path')
    a = ap.parse_args()
    root = Path(__file__).resolve().parent.parent
    os.chdir(root)
    from nbdev.config import get_config
    from nbdev.doclinks import nbglob
    files = sorted(nbglob(a.path, as_path=True))
    files = [f for f in files if not (f.parent/'.notest').exists()]
    names = [f.name for f in files]
    shared = root.parent/'shared'/'data'
    print(f"Testing {len(files)} notebooks (also running cells flagged: {a.flags or 'none'}; flags in settings.ini: {get_config().tst_flags}); "
          f"real data in ../shared/data: {'present' if shared.exists() else 'ABSENT (those tests print SKIPPED and their synthetic twins run)'}", flush=True)
    cmd = [str(Path(sys.executable).parent/'nbdev_test'), '--timing', '--n_workers', str(a.n_workers), '--flags', a.flags]
    if a.path: cmd += ['--path', a.path]
    # notebooks run in parallel processes: give each its share of the cores, or torch's thread pools oversubscribe them
    env = dict(os.environ, MPLBACKEND='Agg')
    env.setdefault('OMP_NUM_THREADS', str(max(1, (os.cpu_count() or 1) // max(1, a.n_workers))))
    t0 = time.time()
    try: p = subprocess.run(cmd, capture_output=True, text=True, errors='replace', env=env, timeout=a.timeout)
    except subprocess.TimeoutExpired:
        print(f"nbdev_test did not finish within {a.timeout:.0f}s")
        print(f"0 passed, {len(names)} failed")
        return 1
    for stream, out in ((sys.stdout, p.stdout), (sys.stderr, p.stderr)):
        for line in out.splitlines():
            if not NOISE.match(line): print(line, file=stream)
    sys.stderr.flush()
    failed = set()
    m = re.search(r'Tests Failed On The Following Notebooks:\n=+\n((?:\t.*\n?)+)', p.stderr)
    if m: failed = {l.strip() for l in m.group(1).splitlines() if l.strip()}
    if p.returncode != 0 and not failed: failed = set(names)   # nbdev_test itself broke: count everything as failed
    for n in names: print(f"{'FAIL' if n in failed else 'ok  '} {n}")
    kernel = a.kernel if a.kernel is not None else ([] if a.path else ['nbs/tutorial.ipynb', 'nbs/07_explorer.ipynb'])
    n_kernel = k_failed = 0
    if kernel:   # as a user runs them: in a Jupyter kernel, not execnb
        k = subprocess.run([sys.executable, str(root/'tools'/'run_notebooks.py'), *kernel], capture_output=True, text=True, errors='replace')
        lines = [l for l in k.stdout.splitlines() if l.startswith(('ok  ', 'FAIL'))]
        for l in lines: print(l)
        n_kernel, k_failed = len(kernel), sum(l.startswith('FAIL') for l in lines) + (k.returncode != 0 and not any(l.startswith('FAIL') for l in lines))
        if k.returncode and not lines: print(k.stderr[-2000:])
    print(f"total {time.time() - t0:.0f}s")
    print(f"{len(names) + n_kernel - len(failed) - k_failed} passed, {len(failed) + k_failed} failed")
    return 1 if failed or k_failed or p.returncode else 0

if __name__ == '__main__': sys.exit(main())
