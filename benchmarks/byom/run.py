"""Load every model that ``make_models.py`` made (and the shipped one) through
``--model`` and print what was detected and its MNIST test accuracy, beside
the accuracy Keras itself measured when the model was made.

    python benchmarks/byom/run.py --models out/byom --data ../shared/data/mnist
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from recognizer.errors import RecognizerError  # noqa: E402
from recognizer.model_info import describe_model, measure_mnist  # noqa: E402

HOW_MADE = {
    "shipped": "models/ of this repo: Keras 3.15, model.json + model.h5 (+ the scene model)",
    "keras2_cnn": "Keras 2.21 (tf-keras) CNN, model.to_json() + save_weights('model.h5'), 0-1 inputs",
    "keras2_old_layout": "the same, config rewritten to the Keras 2.0-2.2 layout (bare layer list, batch_input_shape)",
    "keras2_channels_first": "the same weights in a channels-first twin (Theano-era layout), json + h5",
    "keras2_full": "the same model, full-model .h5 from model.save() (training config: Adam, loss reduction)",
    "keras2_inverted": "Keras 2.21 CNN trained on dark digits on light paper, json + h5",
    "keras2_mlp_255_logits": "Keras 2.21 flat 784-input MLP on raw 0-255 pixels, logits out, json + h5",
    "keras2_lambda": "Keras 2.21 model with a Lambda layer (code in the file), json + h5",
    "keras3_archive": "Keras 3.15 CNN with a Rescaling(1/255) layer, saved as .keras",
    "keras3_full_h5": "the same Keras 3.15 model, saved as a full-model .h5",
}


def model_path(folder: Path) -> Path:
    files = sorted(folder.glob("*.keras")) + sorted(folder.glob("model.json")) + sorted(folder.glob("*.h5"))
    return files[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="out/byom")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "mnist"))
    args = parser.parse_args()
    rows = [("shipped", ROOT / "models" / "model.json")]
    rows += [(f.name, model_path(f)) for f in sorted(Path(args.models).iterdir()) if f.is_dir()]
    print(f"{'model':<24} {'load':<8} {'detected feeding':<46} {'output':<8} {'MNIST test':>10} {'in Keras':>9}"
          f"  how it was made")
    for name, path in rows:
        started = time.perf_counter()
        try:
            info = describe_model(path)
            accuracy = measure_mnist(path, Path(args.data))
        except RecognizerError as exc:
            print(f"{name:<24} {'refused':<8} {exc.message[:46]:<46} {'':<8} {'':>10} {'':>9}  {HOW_MADE.get(name, '')}")
            continue
        feeding = info.feeding.feeding.describe()
        noted = path.parent / "keras_accuracy.txt"
        keras_accuracy = f"{float(noted.read_text()) * 100:.2f}%" if noted.is_file() else "-"
        print(f"{name:<24} {'ok':<8} {feeding:<46} {info.model.output_activation:<8} {accuracy * 100:>9.2f}% "
              f"{keras_accuracy:>9}  {HOW_MADE.get(name, '')}  ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
