#!/usr/bin/env python3
"""Convert between Jupyter notebooks and the 'percent' text format (an authoring aid; notebooks stay the source of truth).

    python tools/nbpct.py to-nb  SRC.py  DEST.ipynb   # text -> notebook (outputs dropped)
    python tools/nbpct.py to-pct SRC.ipynb DEST.py    # notebook -> text

Cells start with a line `# %%` (code) or `# %% [markdown]` (markdown, each line prefixed by `# `)."""
import json, sys
from pathlib import Path

def to_nb(src, dest):
    cells, cur = [], None
    for line in Path(src).read_text(encoding='utf-8').splitlines():
        if line.startswith('# %%'):
            cur = {'kind': 'markdown' if '[markdown]' in line else 'code', 'lines': []}
            cells.append(cur)
        elif cur is not None: cur['lines'].append(line)
    out = []
    for c in cells:
        lines = c['lines']
        while lines and not lines[-1].strip(): lines.pop()
        while lines and not lines[0].strip(): lines.pop(0)
        if c['kind'] == 'markdown': lines = [l[2:] if l.startswith('# ') else l.lstrip('#') for l in lines]
        src_lines = [l + '\n' for l in lines]
        if src_lines: src_lines[-1] = src_lines[-1][:-1]
        cell = {'cell_type': c['kind'], 'metadata': {}, 'source': src_lines}
        if c['kind'] == 'code': cell.update(execution_count=None, outputs=[])
        out.append(cell)
    _keep_ids(out, dest)
    nb = {'cells': out, 'metadata': {'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'}},
          'nbformat': 4, 'nbformat_minor': 4}
    Path(dest).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')

def _keep_ids(cells, dest):
    "Reuse the cell ids of an existing notebook at `dest` (same source first, then same position) to keep exports stable."
    import hashlib
    try: old = json.loads(Path(dest).read_text(encoding='utf-8'))['cells']
    except (OSError, ValueError, KeyError): old = []
    by_src = {}
    for c in old:
        if 'id' in c: by_src.setdefault(''.join(c['source']), []).append(c['id'])
    used = set()
    for i, c in enumerate(cells):
        ids = [x for x in by_src.get(''.join(c['source']), []) if x not in used]
        if not ids and i < len(old) and old[i].get('id') not in used and 'id' in old[i]: ids = [old[i]['id']]
        cid = ids[0] if ids else hashlib.sha1(f"{dest}|{i}|{''.join(c['source'])}".encode()).hexdigest()[:8]
        used.add(cid); c['id'] = cid

def to_pct(src, dest):
    nb = json.loads(Path(src).read_text(encoding='utf-8'))
    parts = []
    for c in nb['cells']:
        s = ''.join(c['source'])
        if c['cell_type'] == 'markdown':
            parts.append('# %% [markdown]\n' + '\n'.join(('# ' + l) if l else '#' for l in s.splitlines()))
        else: parts.append('# %%\n' + s)
    Path(dest).write_text('\n\n'.join(parts) + '\n', encoding='utf-8')

if __name__ == '__main__':
    cmd, src, dest = sys.argv[1:4]
    {'to-nb': to_nb, 'to-pct': to_pct}[cmd](src, dest)
