"""Headless renderer (EGL): linear float RGB, metric z-depth and exact uint16 instance ids.

The only package that touches OpenGL. Importing it sets nothing and loads no GL library; the GL
platform (PYOPENGL_PLATFORM=egl unless the user chose one) is selected when a Renderer opens or
check_egl() runs. See simgen.render.renderer for what differs from stock pyrender.
"""

from simgen.render.egl import check_egl
from simgen.render.renderer import Renderer
from simgen.render.solo import SoloCounter
from simgen.render.types import FrameBuffers, Light, RenderItem

__all__ = ["Renderer", "SoloCounter", "RenderItem", "Light", "FrameBuffers", "check_egl"]
