"""Choosing the OpenGL platform and checking that headless EGL can start.

PyOpenGL reads PYOPENGL_PLATFORM once, when `OpenGL` is first imported, so `select_platform()` must
run before anything imports OpenGL or pyrender. simgen calls it lazily (when a Renderer is created
or check_egl() runs), never at `import simgen`. A platform the user set (egl, osmesa) is kept.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys

from simgen.core.errors import RenderError

log = logging.getLogger(__name__)

# Live simgen contexts per EGL display. pyrender's EGLPlatform.delete_context() calls eglTerminate, and
# an EGL display is one per device per process: terminating it kills every other context on it. We
# destroy contexts ourselves and terminate a display only when its last simgen context goes.
_LIVE_EGL_CONTEXTS: dict[int, int] = {}

_INSTALL_HINT = (
    "On Debian/Ubuntu: `apt-get install libegl1 libgl1 libgbm1` (Mesa, software llvmpipe works without a GPU); "
    "with an NVIDIA GPU the driver provides libEGL_nvidia through libglvnd's libEGL.so.1."
)


def select_platform() -> str:
    """Set PYOPENGL_PLATFORM=egl unless the user chose a platform. Returns the platform in effect.

    Raises RenderError when OpenGL was already imported under another platform (PyOpenGL cannot switch).
    """
    platform = os.environ.get("PYOPENGL_PLATFORM")
    if platform is None:
        if "OpenGL" in sys.modules:
            raise RenderError(
                "OpenGL was imported before simgen could select the EGL platform; set "
                "PYOPENGL_PLATFORM=egl in the environment, or open a simgen Renderer before importing OpenGL"
            )
        os.environ["PYOPENGL_PLATFORM"] = "egl"
        platform = "egl"
    return platform


def _find(names: tuple[str, ...]) -> str | None:
    """First of `names` (find_library style, e.g. 'EGL') that the loader can find and open, else None."""
    for name in names:
        path = ctypes.util.find_library(name)
        if path is None:
            continue
        try:
            ctypes.CDLL(path)
        except OSError:
            continue
        return path
    return None


def missing_system_libraries() -> list[str]:
    """Names of the system libraries EGL rendering needs but the loader cannot find (empty if all there)."""
    missing = []
    if _find(("EGL",)) is None:
        missing.append("libEGL.so.1")
    if _find(("OpenGL", "GL")) is None:
        missing.append("libGL.so.1 / libOpenGL.so.0")
    # gbm is what Mesa's EGL needs for surfaceless/device platforms; NVIDIA's EGL does not use it.
    if _find(("gbm",)) is None and not _nvidia_present():
        missing.append("libgbm.so.1")
    return missing


def _nvidia_present() -> bool:
    return _find(("EGL_nvidia",)) is not None or os.path.exists("/proc/driver/nvidia/version")


def make_platform(width: int, height: int):
    """Create and make current an offscreen pyrender platform (EGL or OSMesa) of the given size.

    EGL device selection is pyrender's: EGL_DEVICE_ID (default 0) indexes the EGL devices.
    """
    platform = select_platform()
    missing = missing_system_libraries() if platform == "egl" else []
    if missing:
        raise RenderError(f"headless rendering needs system libraries that are missing: {', '.join(missing)}. {_INSTALL_HINT}")
    try:
        if platform == "egl":
            from pyrender.platforms import egl

            device_id = int(os.environ.get("EGL_DEVICE_ID", "0"))
            plat = egl.EGLPlatform(width, height, device=egl.get_device_by_index(device_id))
            plat.simgen_device_id = device_id
        elif platform == "osmesa":
            from pyrender.platforms.osmesa import OSMesaPlatform

            plat = OSMesaPlatform(width, height)
        else:
            raise RenderError(f"unsupported PYOPENGL_PLATFORM={platform!r}; use egl or osmesa")
        plat.init_context()
        if hasattr(plat, "simgen_device_id"):
            _LIVE_EGL_CONTEXTS[plat.simgen_device_id] = _LIVE_EGL_CONTEXTS.get(plat.simgen_device_id, 0) + 1
        plat.make_current()
    except RenderError:
        raise
    except Exception as exc:  # driver errors come as many types (RuntimeError, GLError, OSError)
        raise RenderError(f"could not create a {platform} OpenGL context: {exc}. {_INSTALL_HINT}") from exc
    return plat


def release_platform(plat) -> None:
    """Destroy a context made by make_platform; terminate its EGL display only if no other is alive."""
    device_id = getattr(plat, "simgen_device_id", None)
    if device_id is None:  # OSMesa: contexts are independent
        plat.make_uncurrent()
        plat.delete_context()
        return
    from OpenGL import EGL

    display, context = plat._egl_display, plat._egl_context
    if display is None:
        return
    EGL.eglMakeCurrent(display, EGL.EGL_NO_SURFACE, EGL.EGL_NO_SURFACE, EGL.EGL_NO_CONTEXT)
    if context is not None:
        EGL.eglDestroyContext(display, context)
    plat._egl_context = None
    remaining = _LIVE_EGL_CONTEXTS.get(device_id, 1) - 1
    _LIVE_EGL_CONTEXTS[device_id] = remaining
    if remaining <= 0:
        EGL.eglTerminate(display)
    plat._egl_display = None


def check_egl() -> dict:
    """Start a tiny headless context and report what answered.

    Returns {"platform", "vendor", "renderer", "version"} (strings). Raises RenderError naming the
    missing system libraries (libEGL.so.1, libGL.so.1 / libOpenGL.so.0, libgbm.so.1) or the driver error.
    """
    plat = make_platform(8, 8)
    try:
        from OpenGL import GL

        def _s(enum) -> str:
            value = GL.glGetString(enum)
            return value.decode() if isinstance(value, bytes) else str(value)

        info = {
            "platform": os.environ.get("PYOPENGL_PLATFORM", ""),
            "vendor": _s(GL.GL_VENDOR),
            "renderer": _s(GL.GL_RENDERER),
            "version": _s(GL.GL_VERSION),
        }
    finally:
        release_platform(plat)
    log.debug("EGL check: %s", info)
    return info
