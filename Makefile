# Two commands on a fresh machine with Python 3.11:
#   make demo   # venv + install + train (DEAM in input/ if present, else the built-in demo dataset)
#   make test   # venv + install + the notebook test suite (nbdev_test), ending with "N passed, N failed"
VENV ?= .venv
BIN := $(VENV)/bin
export VENV
TEST_FLAGS ?=
TEST_WORKERS ?= 2

.PHONY: venv demo test test-all export clean-nbs check bench lab outputs musicnn-weights

venv:
	@tools/venv.sh

demo: venv
	@$(BIN)/music-emotion-data input --check >/dev/null 2>&1; rc=$$?; \
	if [ $$rc -eq 0 ]; then \
	  echo "Training on the dataset found in input/"; $(BIN)/music-emotion-train --data-path input $(ARGS) || exit $$?; \
	elif [ $$rc -eq 1 ]; then \
	  echo "No dataset in input/: training on the built-in demo dataset (input/demo)"; $(BIN)/music-emotion-train --demo $(ARGS) || exit $$?; \
	else \
	  echo "input/ holds a dataset with problems:"; $(BIN)/music-emotion-data input --check; exit 2; \
	fi; \
	run=$$(ls -td models/*/ 2>/dev/null | head -n 1); \
	echo; echo "Next:"; \
	echo "  $(BIN)/music-emotion-predict $${run:-models/<run>/} song.mp3   # the model just trained"; \
	echo "  $(BIN)/music-emotion-predict pretrained song.mp3      # the shipped model of real music (see music_emotion/pretrained/MODEL_CARD.md)"; \
	echo "  $(BIN)/tensorboard --logdir visualisation/runs       # the training curves and figures"; \
	echo "  make lab                                            # JupyterLab on the notebooks (start with nbs/tutorial.ipynb)"

test: venv
	@$(BIN)/python tools/run_tests.py --flags "$(TEST_FLAGS)" --n_workers $(TEST_WORKERS)

test-all: TEST_FLAGS = slow
test-all: test

export: venv
	$(BIN)/nbdev_export
	$(BIN)/nbdev_clean
	$(BIN)/python tools/sync_readme.py

check: venv
	@tools/check_clean.sh

bench: venv
	$(BIN)/music-emotion-bench --quick

lab: venv
	$(BIN)/jupyter lab --notebook-dir=nbs $$( [ "$$(id -u)" = 0 ] && echo --allow-root ) $(LAB_ARGS)

outputs: venv
	$(BIN)/nbdev_export
	$(BIN)/python tools/run_notebooks.py --save
	$(BIN)/nbdev_clean

# musicnn's pretrained weights (music_emotion/musicnn_weights/, committed): pip download the pinned wheel musicnn==0.1.0,
# check its sha256, convert its TensorFlow checkpoints without TensorFlow (tools/convert_musicnn.py; same bytes every time)
musicnn-weights: venv
	$(BIN)/python tools/convert_musicnn.py
