#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb (what `nbdev_readme` does, without Quarto, which is unavailable here).

    python tools/sync_readme.py          # rewrite README.md
    python tools/sync_readme.py --check  # exit 1 if README.md is not what index.ipynb renders to

Markdown cells are copied; code cells are shown as python blocks, except `#| hide` cells."""
import json, sys
from pathlib import Path

def render(nb_path='nbs/index.ipynb') -> str:
    nb = json.loads(Path(nb_path).read_text(encoding='utf-8'))
    out = []
    for c in nb['cells']:
        src = ''.join(c['source']).strip('\n')
        if c['cell_type'] == 'markdown': out.append(src)
        elif c['cell_type'] == 'code' and not src.startswith('#| hide') and '#| hide' not in src.splitlines()[:3]:
            out.append('```python\n' + src + '\n```')
    return '\n\n'.join(out) + '\n'

if __name__ == '__main__':
    root = Path(__file__).resolve().parent.parent
    text = render(root/'nbs'/'index.ipynb')
    readme = root/'README.md'
    if '--check' in sys.argv:
        if readme.read_text(encoding='utf-8') != text:
            print('README.md differs from nbs/index.ipynb: run `python tools/sync_readme.py` and commit'); sys.exit(1)
        print('README.md matches nbs/index.ipynb')
    else: readme.write_text(text, encoding='utf-8')
