#!/usr/bin/env python
"""Run the notebook tests with `nbdev_test` and end with a plain `N passed, N failed` line counting notebooks.

    python tools/run_tests.py [--flags "slow"] [--n_workers 2] [--path nbs/00_audio.ipynb]

Each notebook runs in a process of its own (`nbdev_test --path NB`, `--n_workers` of them at a time), so a notebook
whose process dies (a segfault in a native library, the out-of-memory killer) is named as that notebook's failure with
the signal, while the others still run and count; a line is printed as each notebook finishes. nbdev_test runs every
code cell (cells flagged with a `tst_flags` flag from settings.ini only when that flag is passed in --flags) and stops
a notebook at its first failing cell."""
import argparse, os, re, signal, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

NOISE = re.compile(r'^(Note: |\[src/libmpg123|Warning: Xing stream size|Warning: Encountered more data)')

def _died(rc: int) -> str:
    "How a process with return code `rc` ended, in words ('' for a normal exit)."
    if rc >= 0: return ''
    try: name = signal.Signals(-rc).name
    except ValueError: name = f'signal {-rc}'
    return f"its process died ({name}{': a crash in native code' if -rc in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT) else ''})"

def run_one(nb: Path, flags: str, env: dict, timeout: float) -> tuple[bool, str, float, str]:
    "Test one notebook in its own nbdev_test process: (passed, why not, seconds, its output without decoder notes)."
    cmd = [str(Path(sys.executable).parent/'nbdev_test'), '--path', str(nb), '--flags', flags, '--n_workers', '0']
    t0 = time.time()
    try: p = subprocess.run(cmd, capture_output=True, text=True, errors='replace', env=env, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired: return False, f"did not finish within {timeout:.0f} s", time.time() - t0, ''
    out = '\n'.join(l for l in (p.stdout + p.stderr).splitlines() if not NOISE.match(l))
    why = _died(p.returncode) or (f"exit {p.returncode}" if p.returncode else '')
    return not why, why, time.time() - t0, out

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--flags', default='', help='space-separated test flags to run (e.g. "slow")')
    ap.add_argument('--n_workers', type=int, default=2, help='notebooks tested at once')
    ap.add_argument('--path', default=None, help='one notebook or a glob (default: all)')
    ap.add_argument('--timeout', type=float, default=2400, help='seconds before one notebook counts as failed')
    ap.add_argument('--kernel', nargs='*', default=None,
                    help='notebooks also executed in a real Jupyter kernel (tools/run_notebooks.py: no error output, figures as PNG); '
                         'default: the tutorial and the explorer when every notebook is tested, none with --path')
    a = ap.parse_args()
    root = Path(__file__).resolve().parent.parent
    os.chdir(root)
    from nbdev.config import get_config
    from nbdev.doclinks import nbglob
    files = sorted(Path().glob(a.path) if a.path and any(c in a.path for c in '*?[') else nbglob(a.path, as_path=True))
    files = [f for f in files if not (f.parent/'.notest').exists()]
    # the slowest notebooks first, so the two workers end together
    slow_first = ['90_robustness', '05_train', '09_quality', '06_inference', '05a_distributed', '04_learner']
    files.sort(key=lambda f: (slow_first.index(f.stem) if f.stem in slow_first else len(slow_first), f.name))
    shared = root.parent/'shared'/'data'
    print(f"Testing {len(files)} notebooks, {a.n_workers} at a time, each in its own process (also running cells flagged: {a.flags or 'none'}; "
          f"flags in settings.ini: {get_config().tst_flags}); real data in ../shared/data: "
          f"{'present' if shared.exists() else 'ABSENT (those tests print SKIPPED and their synthetic twins run)'}. "
          f"The whole suite took 6-12 minutes on 2 cores; a line follows as each notebook finishes.", flush=True)
    # notebooks run in parallel processes: give each its share of the cores, or torch's thread pools oversubscribe them
    env = dict(os.environ, MPLBACKEND='Agg')
    env.setdefault('OMP_NUM_THREADS', str(max(1, (os.cpu_count() or 1) // max(1, a.n_workers))))
    t0, results = time.time(), {}
    with ThreadPoolExecutor(max(1, a.n_workers)) as ex:
        futs = {ex.submit(run_one, f, a.flags, env, a.timeout): f for f in files}
        for n, fut in enumerate(as_completed(futs), 1):
            f = futs[fut]
            ok, why, secs, out = fut.result()
            results[f.name] = (ok, why)
            print(f"[{n}/{len(files)}] {'ok  ' if ok else 'FAIL'} {f.name} ({secs:.0f} s){'' if ok else ': ' + why}", flush=True)
            if not ok and out:   # the failing cell's traceback (nbdev_test prints the cell's output after it)
                ls = out.splitlines()
                at = next((k for k, l in enumerate(ls) if 'While Executing Cell' in l or l.startswith('Traceback')), max(0, len(ls) - 60))
                print('\n'.join('    ' + l for l in ls[max(0, at - 2):at + 45]), flush=True)
    failed = [n for n, (ok, _) in results.items() if not ok]
    print(f"\nnotebooks: {len(files) - len(failed)} passed, {len(failed)} failed" + (f" ({', '.join(sorted(failed))})" if failed else ''))
    kernel = a.kernel if a.kernel is not None else ([] if a.path else ['nbs/tutorial.ipynb', 'nbs/07_explorer.ipynb'])
    n_kernel = k_failed = 0
    if kernel:   # as a user runs them: in a Jupyter kernel, not execnb
        print(f"Running {', '.join(kernel)} in a Jupyter kernel ...", flush=True)
        k = subprocess.run([sys.executable, str(root/'tools'/'run_notebooks.py'), *kernel], capture_output=True, text=True, errors='replace')
        lines = [l for l in k.stdout.splitlines() if l.startswith(('ok  ', 'FAIL'))]
        for l in lines: print(l)
        n_kernel, k_failed = len(kernel), sum(l.startswith('FAIL') for l in lines) + (k.returncode != 0 and not any(l.startswith('FAIL') for l in lines))
        if k.returncode and not lines: print(k.stderr[-2000:])
    print(f"total {time.time() - t0:.0f}s")
    print(f"{len(files) + n_kernel - len(failed) - k_failed} passed, {len(failed) + k_failed} failed")
    return 1 if failed or k_failed else 0

if __name__ == '__main__': sys.exit(main())
