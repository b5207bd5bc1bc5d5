"""Build hook: the wheel carries the shipped models/ and resources/ inside the composer package."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: Top-level folders copied into the built package, with the files of each that ship (checkpoints do not):
#: models/*.onnx is each float32 model and its int8 twin NAME.int8.onnx.
SHIPPED = {"resources": ("**/*.abc", "**/*.svg", "**/*.md"), "models": ("*.onnx", "*.md", "*.json")}


class BuildWithShippedData(build_py):
    """build_py, then copy resources/ and models/ into build/lib/composer/ (a checkout reads them in place)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for folder, patterns in SHIPPED.items():
            for pattern in patterns:
                for source in sorted((ROOT / folder).glob(pattern)):
                    if source.is_file():
                        target = Path(self.build_lib) / "composer" / folder / source.relative_to(ROOT / folder)
                        self.mkpath(str(target.parent))
                        self.copy_file(str(source), str(target))


setup(cmdclass={"build_py": BuildWithShippedData})
