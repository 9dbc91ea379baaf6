"""Train the Rasa model only when its inputs changed.

The fingerprint covers data/, config.yml, the domain, the jieba dictionary and
our custom components, so a second `make run` starts in seconds.
Run with the Rasa environment's Python: `.venv-rasa/bin/python bot/train_model.py`.
"""

import argparse
import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ("data", "config.yml", "bot/domain.yml", "bot/jieba", "bot/components")
MODEL_NAME = "zhihuiyang"


def fingerprint(root: Path = ROOT, data_dir: Path | None = None) -> str:
    """A digest of every file the model is trained from (data_dir in place of root/data)."""
    digest = hashlib.sha256()
    for name in INPUTS:
        path = data_dir if name == "data" and data_dir is not None else root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts:
                continue
            label = f"{name}/{file.relative_to(path)}" if path.is_dir() else name
            digest.update(label.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "models")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    model = args.out / f"{MODEL_NAME}.tar.gz"
    stamp = args.out / f"{MODEL_NAME}.fingerprint"
    current = fingerprint()
    if not args.force and model.is_file() and stamp.is_file() and stamp.read_text() == current:
        print(f"模型未变化，沿用 {model.relative_to(ROOT)}")
        return 0
    print("训练 Rasa 模型（约需几分钟）……", flush=True)
    command = [
        sys.executable, str(ROOT / "bot" / "rasa_cli.py"), "train",
        "--domain", "bot/domain.yml", "--data", "data", "--config", "config.yml",
        "--out", str(args.out), "--fixed-model-name", MODEL_NAME, "--force",
    ]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, check=False)
    if result.returncode != 0:
        return result.returncode
    stamp.write_text(current)
    return 0


if __name__ == "__main__":
    sys.exit(main())
