"""Generator registry, `make`, `categories` and the generation cache.

Generators register with `@generator("chair", version=1)` on a body `fn(p, b)`; the decorator returns
`make_chair(params, rng) -> Asset`. Generation is cached in an LRU keyed on (generator, version,
canonical JSON of the params), so the same params always return the same (shared, read-only) Asset.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

import numpy as np

from simgen.assets.builder import Builder
from simgen.assets.model import Asset
from simgen.assets.specs import canonical_params, load_spec, sample_params, spec_names
from simgen.core.errors import ConfigError



@dataclass(frozen=True)
class _Gen:
    category: str
    version: int
    body: Callable


_REGISTRY: dict[str, _Gen] = {}
_CACHE: "OrderedDict[tuple, Asset]" = OrderedDict()
CACHE_SIZE = 512


def generator(category: str, version: int = 1):
    """Register `body(p, b)` as the generator of `category`; returns `make_<category>(params, rng)`."""
    def deco(body):
        _REGISTRY[category] = _Gen(category, version, body)

        def make_category(params: dict | None, rng: np.random.Generator) -> Asset:
            return make(category, rng, params)

        make_category.__name__ = f"make_{category}"
        make_category.__doc__ = body.__doc__
        return make_category
    return deco


def _load_all() -> None:
    """Import every module of simgen.assets.generators once (they register themselves)."""
    if getattr(_load_all, "done", False):
        return
    pkg = importlib.import_module("simgen.assets.generators")
    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"simgen.assets.generators.{info.name}")
    _load_all.done = True  # type: ignore[attr-defined]


def categories() -> list[str]:
    """Sorted ids of every category with both a generator and a spec file."""
    _load_all()
    specs = set(spec_names())
    return sorted(c for c in _REGISTRY if c in specs)


def generator_info(category: str) -> tuple[str, int]:
    """(generator name, version) of a category."""
    _load_all()
    g = _REGISTRY[category]
    return g.category, g.version


def resolve_params(category: str, rng: np.random.Generator, params: dict | None) -> dict:
    """Draw a full param set from the spec, then override with `params` (unknown keys are an error)."""
    sp = load_spec(category)
    full = sample_params(sp, rng)
    if params:
        bad = [k for k in params if k not in full]
        if bad:
            raise ConfigError(f"{category}: unknown asset param {bad[0]!r}; allowed: {', '.join(full)}")
        for k in ("material",):
            if k in params and params[k] not in sp.materials:
                raise ConfigError(f"{category}: material {params[k]!r} not offered; allowed: {', '.join(sp.materials)}")
        full.update(params)
    return canonical_params(full)


def make(category: str, rng: np.random.Generator, params: dict | None = None) -> Asset:
    """Generate one asset of `category`.

    rng draws every param not given in `params` (a partial dict overrides the drawn values; the
    same rng state and params give the same Asset). Returns a cached, shared Asset: do not mutate.
    """
    _load_all()
    if category not in _REGISTRY:
        raise ConfigError(f"unknown asset category {category!r}; allowed: {', '.join(categories())}")
    full = resolve_params(category, rng, params)
    return build(category, full)


def build(category: str, full_params: dict) -> Asset:
    """Build (or fetch from the cache) the asset for a complete, canonical param dict."""
    _load_all()
    g = _REGISTRY[category]
    key = (g.category, g.version, json.dumps(full_params, sort_keys=True, separators=(",", ":")))
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    b = Builder(load_spec(category), g.category, g.version, full_params)
    g.body(b.p, b)
    asset = b.finish()
    _CACHE[key] = asset
    if len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return asset


def clear_cache() -> None:
    _CACHE.clear()
