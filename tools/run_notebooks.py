#!/usr/bin/env python
"""Execute notebooks in a real Jupyter kernel (nbclient) and check or save their outputs (`make outputs`).

    python tools/run_notebooks.py nbs/tutorial.ipynb nbs/07_explorer.ipynb      # check: no error output, figures as PNG
    python tools/run_notebooks.py --save                                         # every notebook's outputs saved (make outputs)

Cells flagged `#| slow` or `#| eval: false` are not run. With --save the outputs of the visible cells (not `#| hide`
cells: their checks print temporary paths, and the docs hide them) are written into the notebooks, figures as PNG and
widgets with their state (so the explorer renders on GitHub and in nbviewer); `nbdev_clean` keeps both. Prints one line
per notebook and ends with "N passed, N failed"; exit 1 when one failed."""
import argparse, json, os, re, sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
SKIP = re.compile(r'^#\|\s*(slow|eval:\s*false)\s*$', re.M)
HIDE = re.compile(r'^#\|\s*hide\s*$', re.M)
NOT_RUN = ('index.ipynb', '05a_distributed.ipynb', '90_robustness.ipynb')   # no figures to show; their checks run in the tests

class _Client(NotebookClient):
    "nbclient keeps the state of every widget ever opened; a widget the notebook closed (`Explorer.close`) leaves the saved state."
    def handle_comm_msg(self, outs, msg, cell_index):
        super().handle_comm_msg(outs, msg, cell_index)
        if msg['msg_type'] == 'comm_close':
            cid = msg['content']['comm_id']
            self.widget_state.pop(cid, None); self.widget_buffers.pop(cid, None)

BAR = re.compile(r'\d+%\|')   # a tqdm bar: "spectrograms:  40%|████      | 4/10"

def _progress(o) -> bool:
    "A progress bar's output: a tqdm widget (frozen where the saved notebook shows it) or a stream of bar redraws."
    if o.output_type == 'stream':
        parts = [x for x in re.split(r'[\r\n]', o.text) if x.strip()]
        return o.name == 'stderr' and bool(parts) and all(BAR.search(x) for x in parts)
    return 'application/vnd.jupyter.widget-view+json' in o.get('data', {}) and bool(BAR.search(o.get('data', {}).get('text/plain', '')))

def _drop_unshown_widgets(nb):
    "Keep the saved widget state of the widgets still shown (and of their children) only."
    state = nb.metadata.get('widgets', {}).get('application/vnd.jupyter.widget-state+json', {}).get('state')
    if not state: return
    keep, todo = set(), [o['data']['application/vnd.jupyter.widget-view+json']['model_id'] for c in nb.cells if c.cell_type == 'code'
                         for o in c.outputs if 'application/vnd.jupyter.widget-view+json' in o.get('data', {})]
    while todo:
        m = todo.pop()
        if m in keep or m not in state: continue
        keep.add(m)
        todo += re.findall(r'IPY_MODEL_([0-9a-f]+)', json.dumps(state[m]))
    for m in list(state):
        if m not in keep: del state[m]
    if not state: del nb.metadata['widgets']

def run(path: Path, save: bool, timeout: int) -> tuple[bool, str]:
    nb = nbformat.read(path, as_version=4)
    skipped = {}
    for i, c in enumerate(nb.cells):
        if c.cell_type == 'code' and SKIP.search(c.source): skipped[i] = c.source; c.source = ''
    client = _Client(nb, timeout=timeout, kernel_name='python3', allow_errors=True, store_widget_state=True,
                            resources={'metadata': {'path': str(path.parent)}})
    t0 = time.time()
    try: client.execute()
    except CellExecutionError as e: return False, f"{type(e).__name__}: {str(e)[:500]}"
    except Exception as e: return False, f"kernel failure: {type(e).__name__}: {e}"
    errors, pngs, texts_as_fig = [], 0, 0
    for i, c in enumerate(nb.cells):
        if c.cell_type != 'code': continue
        for o in c.get('outputs', []):
            if o.output_type == 'error': errors.append(f"cell {i}: {o.ename}: {o.evalue}"[:300])
            data = o.get('data', {})
            if 'image/png' in data: pngs += 1
            elif re.match(r'<Figure size [\d.]+x[\d.]+ with \d+ Axes>', data.get('text/plain', '')): texts_as_fig += 1
    if texts_as_fig: errors.append(f"{texts_as_fig} figure(s) shown as text, not as image/png")
    if save and not errors:
        for i, c in enumerate(nb.cells):
            if c.cell_type != 'code': continue
            if i in skipped: c.source = skipped[i]
            if i in skipped or HIDE.search(c.source): c.outputs = []
            c.outputs = [o for o in c.outputs if not _progress(o)]
            c.execution_count = None
        _drop_unshown_widgets(nb)
        nbformat.write(nb, path)
    return not errors, f"{pngs} PNG figure(s), {time.time() - t0:.0f} s" + ''.join(f"\n    {e}" for e in errors)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('paths', nargs='*', help='notebooks (default: every notebook in nbs/ but index, 05a_distributed, 90_robustness)')
    ap.add_argument('--save', action='store_true', help='write the outputs into the notebooks')
    ap.add_argument('--timeout', type=int, default=1200, help='seconds a cell may take')
    a = ap.parse_args()
    paths = [Path(p).resolve() for p in a.paths] or sorted(p for p in (ROOT/'nbs').glob('*.ipynb') if p.name not in NOT_RUN)
    os.environ.pop('IN_TEST', None)
    os.environ.pop('MPLBACKEND', None)      # the kernel's own inline backend, as a user gets it
    failed = 0
    for p in paths:
        ok, msg = run(p, a.save, a.timeout)
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} kernel {p.name}: {msg}", flush=True)
    print(f"{len(paths) - failed} passed, {failed} failed")
    return 1 if failed else 0

if __name__ == '__main__': sys.exit(main())
