"""Command line: ``recognizer read|batch|template|webcam|draw|train|calibrate|evaluate|export|model info``.

A thin layer over the library. ``main(argv)`` returns an exit code instead of
calling ``sys.exit`` so tests can drive it; every user-fixable problem is one
line on stderr (``path: cause``), never a traceback. Heavy modules (OpenCV,
onnxruntime, TensorFlow) are imported inside the commands that need them so
``--help`` and the reading path stay fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from recognizer import __version__
from recognizer.errors import RecognizerError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="PATH",
                        help="model folder, a model.json with its .h5 beside it, a full-model .h5 or a .keras "
                             "file, from Keras 2 or 3 (default: the shipped models/)")
    parser.add_argument("--runtime", choices=("onnx", "keras"), default="onnx",
                        help="onnx (fast start, default) or keras (loads TensorFlow)")


def _add_turn_option(parser: argparse.ArgumentParser, more: str = "") -> None:
    parser.add_argument("--turn", type=int, choices=(0, 90, 180, 270), default=0, metavar="DEGREES",
                        help="turn every page this far clockwise before reading it: 180 for a pile scanned "
                             "upside down, 90 or 270 for sideways photos (boxes stay in the file's pixels)" + more)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="recognizer", description="Find and read every handwritten digit in photos and scans."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    read = commands.add_parser("read", help="read the digits in images",
                               description="Read every handwritten digit in each image (every page of a "
                                           "multi-page TIFF or a PDF).")
    read.add_argument("inputs", nargs="+", metavar="INPUT",
                      help="image or PDF files, folders, glob patterns, or .txt files listing paths")
    read.add_argument("--output", "-o", metavar="DIR", default="out",
                      help="folder for the annotated images (default: ./out)")
    read.add_argument("--no-save", action="store_true", help="do not write annotated images")
    read.add_argument("--format", choices=("text", "jsonl"), default="text",
                      help="text: a summary line per image; jsonl: one JSON object per image")
    read.add_argument("--min-confidence", type=float, default=0.5, metavar="P",
                      help="marks read with less confidence are not reported (default 0.5)")
    read.add_argument("--dpi", type=int, default=150, help="resolution PDF pages are rendered at (default 150)")
    _add_turn_option(read)
    _add_model_options(read)

    train = commands.add_parser("train", help="train the CNN on MNIST",
                                description="Train the digit CNN and write model.json + model.h5 + model.onnx.")
    train.add_argument("--data", required=True, metavar="DIR", help="folder with the MNIST IDX files")
    train.add_argument("--output", default=None, metavar="DIR",
                       help="model folder (default: the shipped models/ for the student, models/teacher/ for the others)")
    train.add_argument("--epochs", type=int, default=None)
    train.add_argument("--batch-size", type=int, default=None)
    train.add_argument("--limit", type=int, default=None, metavar="N", help="train on the first N digits only")
    train.add_argument("--kind", choices=("digits", "scene", "student"), default="digits",
                       help="digits: the MNIST digit model (model.json/.h5); scene: the model that also "
                            "learns the detector's crops and 'not a digit' (scene.json/.h5); those two are the "
                            "teachers. student: one cheaper network that learns to read as the teachers do "
                            "together (model.json/.h5); the reader ships with it.")
    train.add_argument("--teacher", default=None, metavar="DIR",
                       help="student kind: the folder of the digit and scene models (default: models/teacher/)")
    train.add_argument("--scenes", type=int, default=None, metavar="N",
                       help="generated scenes whose detector crops join the data (scene kind: default 400, "
                            "student: 1200)")
    train.add_argument("--init-from", metavar="DIR", default=None,
                       help="start from this model folder's weights (fine-tuning)")
    train.add_argument("--learning-rate", type=float, default=None, metavar="LR",
                       help="peak learning rate (default 2e-3; ~2e-4 to fine-tune)")
    train.add_argument("--seed", type=int, default=1)

    calibrate = commands.add_parser("calibrate", help="fit the confidence temperature on held-out data",
                                    description="Fit calibration.json on the held-out data training uses.")
    calibrate.add_argument("--data", required=True, metavar="DIR", help="folder with the MNIST IDX files")
    calibrate.add_argument("--model", default=None, metavar="DIR",
                           help="folder of the scene model (default: the shipped models/teacher/)")
    calibrate.add_argument("--scenes", type=int, default=None, metavar="N", help="as given to train (default 400)")
    calibrate.add_argument("--seed", type=int, default=1)

    evaluate = commands.add_parser("evaluate", help="MNIST test accuracy, confusion matrix, curves",
                                   description="Measure the model on the 10,000 MNIST test digits.")
    evaluate.add_argument("--data", required=True, metavar="DIR", help="folder with the MNIST IDX files")
    evaluate.add_argument("--output", default="out/evaluation", metavar="DIR", help="folder for the plots")
    _add_model_options(evaluate)

    live = commands.add_parser("webcam", aliases=["live"], help="read digits live from a camera, video or stream",
                               description="Read digits frame by frame, with a window when there is a display. "
                                           "Keys: q or Esc quits, space pauses, s saves the frame and its JSON.")
    live.add_argument("--source", default="0",
                      help="camera index (default 0), video file, or stream URL (rtsp://, http://...)")
    live.add_argument("--no-display", action="store_true",
                      help="no window (automatic when there is no display)")
    live.add_argument("--save", metavar="VIDEO", help="write the annotated frames to this video (.mp4 or .avi)")
    live.add_argument("--jsonl", metavar="FILE",
                      help="write one JSON object per frame ('-' for stdout; default '-' when headless)")
    live.add_argument("--output", "-o", metavar="DIR", default="out", help="folder for frames saved with 's'")
    live.add_argument("--max-frames", type=int, default=None, metavar="N", help="stop after N frames")
    live.add_argument("--workers", type=int, default=1, metavar="N",
                      help="read frames in N processes (for video files; a camera rarely needs more than 1)")
    live.add_argument("--min-confidence", type=float, default=0.5, metavar="P")
    _add_model_options(live)

    draw = commands.add_parser("draw", help="draw digits with the mouse and read them",
                               description="A canvas to draw digits on; every digit is read as you draw.")
    draw.add_argument("--output", "-o", metavar="DIR", default="out", help="folder for saved drawings")
    _add_model_options(draw)

    batch = commands.add_parser(
        "batch", help="label a pile of scans: JSONL + CSV, resumable, on every core",
        description="Read every page of every input (images, multi-page TIFF, PDF; folders recursively) into "
                    "--out: results.jsonl, results.csv, review.csv. Rerunning resumes where it stopped.")
    batch.add_argument("inputs", nargs="+", metavar="INPUT", help="files, folders, globs, or .txt lists of paths")
    batch.add_argument("--out", required=True, metavar="DIR", help="folder for the results")
    batch.add_argument("--template", metavar="JSON", help="form template: named regions, one CSV column each")
    batch.add_argument("--review-below", type=float, default=0.8, metavar="P",
                       help="list pages with digits read below P in review.csv, with those digits' boxes "
                            "(default 0.8)")
    batch.add_argument("--annotate", action="store_true", help="also write an annotated image per page")
    batch.add_argument("--dpi", type=int, default=150, help="resolution PDF pages are rendered at (default 150)")
    _add_turn_option(batch, " (with --template each page's registration finds its own turn)")
    batch.add_argument("--workers", type=int, default=0, metavar="N", help="processes (default: every core)")
    batch.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on a Dask cluster (e.g. tcp://10.0.0.5:8786) instead of local processes")
    batch.add_argument("--force", action="store_true", help="start over instead of resuming")
    batch.add_argument("--no-progress", action="store_true", help="no progress bar")
    batch.add_argument("--min-confidence", type=float, default=0.5, metavar="P")
    batch.add_argument("--model", metavar="PATH", help="as for read (default: the shipped models/)")

    template = commands.add_parser("template", help="draw a form template's regions to check them",
                                   description="Draw each field of a template on its reference scan, or on a "
                                               "filled scan: aligned to the reference and read, with what each "
                                               "field holds printed (what batch would write for that page).")
    template.add_argument("template", metavar="JSON")
    template.add_argument("--image", metavar="IMAGE", help="a filled scan to align, read and draw the fields on")
    template.add_argument("--page", type=int, default=1, metavar="N",
                          help="which page of a PDF or multi-page TIFF --image is (default 1)")
    template.add_argument("--dpi", type=int, default=150, help="resolution a PDF page is rendered at (default 150)")
    template.add_argument("--model", metavar="PATH", help="as for read (default: the shipped models/)")
    template.add_argument("--output", "-o", default=None, metavar="PNG", help="default: <template>_regions.png")

    export = commands.add_parser("export", help="(re)build the derived .onnx file of a model")
    export.add_argument("--model", metavar="PATH", help="as for read (default: the shipped models/)")

    model = commands.add_parser("model", help="inspect a model file", description="Inspect model files.")
    model_commands = model.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    info = model_commands.add_parser(
        "info", help="what a model file holds and how it will be read",
        description="Print a model's format, Keras version, layers, input and output, what was translated "
                    "to read it, and (with --data) its MNIST test accuracy. Nothing in the file is executed.")
    info.add_argument("path", nargs="?", default=None, metavar="PATH",
                      help="model folder, .json (+ .h5), full-model .h5 or .keras (default: the shipped model)")
    info.add_argument("--data", metavar="DIR", help="MNIST folder: also measure the test accuracy")
    return parser


# ----------------------------------------------------------------------------
# Commands
# ----------------------------------------------------------------------------
def cmd_read(args: argparse.Namespace) -> int:
    from recognizer.classify import load_classifier
    from recognizer.pipeline import Recognizer
    from recognizer.sinks import AnnotatedImageSink, JsonlSink, summary_line, where
    from recognizer.sources import DOCUMENT_SUFFIXES, has_pages, resolve_inputs
    from recognizer.types import Reading

    recognizer = Recognizer(load_classifier(args.model, args.runtime), args.min_confidence)
    images = None if args.no_save else AnnotatedImageSink(Path(args.output))
    jsonl = JsonlSink(sys.stdout) if args.format == "jsonl" else None
    failures = 0
    for item in resolve_inputs(args.inputs, suffixes=DOCUMENT_SUFFIXES):
        if item.error:
            pages = iter([(1, Reading(source=item.path, error=item.error), None)])
        else:
            pages = recognizer.read_pages(item.path, args.dpi, turns=args.turn // 90)
        paged = not item.error and has_pages(item.path)  # a document's lines and images name the page
        for page, reading, decoded in pages:
            name = page if paged else None
            saved = None
            if reading.error:
                failures += 1
                print(f"{where(reading, name)}: {reading.error}", file=sys.stderr)
            elif images is not None and decoded is not None:
                try:
                    saved = images.write(decoded.image, reading, page=name)
                except OSError as exc:
                    print(f"{where(reading, name)}: could not save the annotated image ({exc})", file=sys.stderr)
                    failures += 1
            if jsonl is not None:
                jsonl.write(reading, page=page)
            elif not reading.error:
                print(summary_line(reading, saved, page=name), flush=True)
    return EXIT_FAILED if failures else EXIT_OK


def cmd_train(args: argparse.Namespace) -> int:
    from recognizer import train as training
    from recognizer.export import export_onnx
    from recognizer.model_files import default_model_dir

    shipped = default_model_dir()
    output = Path(args.output) if args.output else shipped if args.kind == "student" else shipped / "teacher"
    spec = training.KINDS[args.kind]
    config = training.TrainConfig(
        data=Path(args.data),
        output=output,
        kind=args.kind,
        epochs=args.epochs or spec["epochs"],
        batch_size=args.batch_size or training.BATCH_SIZE,
        limit=args.limit,
        seed=args.seed,
        scenes=spec["scenes"] if args.scenes is None else args.scenes,
        init_from=Path(args.init_from) if args.init_from else None,
        learning_rate=args.learning_rate or training.LEARNING_RATE,
        teacher=Path(args.teacher) if args.teacher else shipped / "teacher",
    )
    record = training.train(config)
    history = record["history"]
    print(f"trained the {args.kind} model: {config.epochs} epoch(s) on {record['train_size']} digits in "
          f"{record['seconds']} s; validation accuracy {history['val_accuracy'][-1]:.4f}")
    print(f"wrote {output / (spec['stem'] + '.json')}, {output / (spec['stem'] + '.h5')}")
    if (output / "model.json").is_file() and (output / "model.h5").is_file():
        print(f"wrote {export_onnx(output / 'model.json', output / 'model.onnx')}")
    else:
        print("(model.onnx is built once the digit model is there: recognizer train --kind digits)")
    return EXIT_OK


def cmd_calibrate(args: argparse.Namespace) -> int:
    from recognizer import train as training
    from recognizer.export import export_onnx
    from recognizer.model_files import default_model_dir, locate

    files = locate(args.model or default_model_dir() / "teacher")
    if not (files.folder / "scene.json").is_file():
        raise RecognizerError(files.folder, "no scene.json here: only a scene model is calibrated")
    config = training.TrainConfig(data=Path(args.data), output=files.folder, seed=args.seed,
                                  scenes=training.SCENES if args.scenes is None else args.scenes)
    report = training.calibrate(config)
    export_onnx(files.path, files.onnx)
    print(f"temperature {report['temperature']}: log-loss {report['log_loss_before']} -> {report['log_loss_after']}, "
          f"ECE {report['ece_before']} -> {report['ece_after']} on {report['held_out']} held-out crops")
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    from recognizer.evaluate import evaluate

    report = evaluate(Path(args.data), args.model, args.runtime, Path(args.output))
    print(f"MNIST test accuracy: {report['accuracy'] * 100:.2f}% "
          f"({report['correct']}/{report['total']}) with the {args.runtime} runtime")
    for name in report["plots"]:
        print(f"wrote {name}")
    return EXIT_OK


def cmd_live(args: argparse.Namespace) -> int:
    from recognizer.classify import load_classifier
    from recognizer.live import TkWindow, has_display, run_live
    from recognizer.pipeline import Recognizer
    from recognizer.video import open_capture

    capture = open_capture(args.source)  # fail before loading the model
    window = None
    if not args.no_display:
        if has_display():
            window = TkWindow(f"recognizer: {args.source}")
        else:
            print("recognizer: no display found; running headless "
                  "(annotated video with --save, per-frame JSON with --jsonl)", file=sys.stderr)
    jsonl_path = args.jsonl if args.jsonl else (None if window or args.save else "-")
    recognizer = Recognizer(load_classifier(args.model, args.runtime), args.min_confidence)
    jsonl = None
    try:
        if jsonl_path == "-":
            jsonl = sys.stdout
        elif jsonl_path:
            Path(jsonl_path).parent.mkdir(parents=True, exist_ok=True)
            jsonl = open(jsonl_path, "w", encoding="utf-8")
        summary = run_live(args.source, recognizer, window=window,
                           video=Path(args.save) if args.save else None, jsonl=jsonl,
                           snapshots=Path(args.output), max_frames=args.max_frames, capture=capture,
                           workers=max(1, args.workers))
    finally:
        if jsonl is not None and jsonl is not sys.stdout:
            jsonl.close()
    print(summary.text(args.source), file=sys.stderr)
    for path in summary.snapshots:
        print(f"saved {path}", file=sys.stderr)
    if summary.interrupted:
        return 130
    return EXIT_FAILED if summary.stats.stopped and summary.frames == 0 else EXIT_OK


def cmd_draw(args: argparse.Namespace) -> int:
    from recognizer.classify import load_classifier
    from recognizer.draw import DrawApp
    from recognizer.live import has_display
    from recognizer.pipeline import Recognizer

    if not has_display():
        raise RecognizerError(None, "draw needs a display (none found: DISPLAY is not set)")
    DrawApp(Recognizer(load_classifier(args.model, args.runtime)), Path(args.output)).run()
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from recognizer.export import export_onnx
    from recognizer.model_files import locate

    files = locate(args.model)
    print(f"wrote {export_onnx(files.path, files.onnx)}")
    return EXIT_OK


def cmd_batch(args: argparse.Namespace) -> int:
    from recognizer.batch import BatchOptions, run_batch

    if args.workers < 0 or args.dpi < 10:
        print("recognizer batch: --workers must be >= 0 and --dpi >= 10", file=sys.stderr)
        return EXIT_USAGE
    options = BatchOptions(out=Path(args.out), dpi=args.dpi, annotate=args.annotate, review_below=args.review_below,
                           template=Path(args.template) if args.template else None, model=args.model,
                           min_confidence=args.min_confidence, workers=args.workers, scheduler=args.scheduler,
                           force=args.force, turn=args.turn)
    summary = run_batch(args.inputs, options, progress=not args.no_progress)
    print(summary.line())
    for failure in summary.failed_sources[:20]:
        print(f"failed: {failure}", file=sys.stderr)
    if len(summary.failed_sources) > 20:
        print(f"... and {len(summary.failed_sources) - 20} more (see {options.out / 'results.csv'})", file=sys.stderr)
    print(f"wrote {options.out / 'results.jsonl'}, results.csv, review.csv")
    return EXIT_FAILED if summary.failures else EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    import cv2

    from recognizer.sources import load_image
    from recognizer.template import Aligner, draw_template, load_template, quarter_turns, read_fields

    template = load_template(args.template)
    status, image, transform, reading = EXIT_OK, None, None, None
    if args.image:
        from recognizer.classify import load_classifier
        from recognizer.pipeline import Recognizer

        image = load_image(args.image, args.page, args.dpi)
        transform = Aligner(template).to_reference(image)
        if transform is None:
            print(f"{args.image}: could not be aligned to the template's reference scan "
                  "(another form?); fields drawn where the reference has them", file=sys.stderr)
            status = EXIT_FAILED
        turns = quarter_turns(transform)
        if turns:
            print(f"{args.image}: fed in turned; read after turning it {90 * turns} degrees clockwise")
        reading = Recognizer(load_classifier(args.model)).read_array(image, args.image, turns=turns)
        if transform is not None:
            for name, value in read_fields(reading, transform, template).items():
                print(f"{name}: {value}")
    canvas = draw_template(template, image, transform, reading)
    output = Path(args.output) if args.output else template.path.with_name(template.path.stem + "_regions.png")
    if not cv2.imwrite(str(output), canvas):
        raise RecognizerError(output, "cannot write the image")
    print(f"{len(template.fields)} fields drawn -> {output}")
    return status


def cmd_model(args: argparse.Namespace) -> int:
    from recognizer.model_files import default_model_dir
    from recognizer.model_info import describe_model, format_info, measure_mnist

    path = args.path or default_model_dir()
    info = describe_model(path)
    if args.data:
        info.accuracy = measure_mnist(path, Path(args.data))
    print(format_info(info))
    return EXIT_OK


COMMANDS = {"batch": cmd_batch, "template": cmd_template, "model": cmd_model, "read": cmd_read, "train": cmd_train, "calibrate": cmd_calibrate, "evaluate": cmd_evaluate,
            "export": cmd_export, "webcam": cmd_live, "live": cmd_live, "draw": cmd_draw}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and on usage errors
        return int(exc.code or 0)
    try:
        return COMMANDS[args.command](args)
    except RecognizerError as exc:
        print(f"recognizer: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("recognizer: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
