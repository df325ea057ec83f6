"""Hatchling build hook: compile the C kernels with cffi into every wheel, editable ones included."""

import importlib.util
import shutil
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _load_ffi_build(root):
    """Import ffi_build.py from the project folder (the hook runs with an arbitrary sys.path)."""
    spec = importlib.util.spec_from_file_location("torsh_backend_ffi_build", Path(root) / "ffi_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class CffiBuildHook(BuildHookInterface):
    """Builds ``torsh_backend._kernels`` and ships it as a platform-specific file of the wheel."""

    PLUGIN_NAME = "custom"

    def initialize(self, version, build_data):
        self._tmpdir = tempfile.mkdtemp(prefix="torsh_backend_ffi_")
        so = _load_ffi_build(self.root).compile_to(self._tmpdir, self.metadata.version)
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if version == "editable":
            # Editable installs import from src/, so the library must sit beside the sources.
            package_dir = Path(self.root) / "src" / "torsh_backend"
            for stale in package_dir.glob("_kernels.*.so"):
                stale.unlink()
            shutil.copy2(so, package_dir / so.name)
        else:
            build_data["force_include"][str(so)] = f"torsh_backend/{so.name}"

    def finalize(self, version, build_data, artifact_path):
        shutil.rmtree(getattr(self, "_tmpdir", ""), ignore_errors=True)
