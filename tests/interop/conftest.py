"""One real two-room simgen scene shared by the interop tests (generated once per session, ~7 s)."""

import numpy as np
import pytest


@pytest.fixture(scope="session", autouse=True)
def builtin_asset_table():
    """Every interop test runs on simgen's built-in ProcTHOR asset table (known answers), whatever the
    machine has: no $SIMGEN_PROCTHOR_ASSETS, no installed procthor package. Tests of the user's database
    set the variable themselves."""
    from simgen.interop import thor_catalog

    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(thor_catalog.ENV_VAR, raising=False)
        mp.setattr(thor_catalog, "_procthor_package_database", lambda: None)
        yield


@pytest.fixture(scope="session")
def two_room_scene():
    """A low-preset scene forced to two rooms (an interior door, shared walls), seed 3: a desk, bench,
    side table, clock, laptop on a support, two ceiling lamps (which ProcTHOR has no type for)."""
    from simgen.core.settings import SceneConfig, load_preset
    from simgen.scenes.generate import generate_scene

    cfg = load_preset("scenes", "low", SceneConfig, [(["rooms"], 2), (["objects_per_room"], {"low": 6, "high": 8})])
    return generate_scene(cfg, "000003", 3, np.random.default_rng(3), 0.3)


@pytest.fixture(scope="session")
def two_room_json(two_room_scene):
    from simgen.interop.procthor_export import scene_json_of

    return scene_json_of(two_room_scene)


@pytest.fixture(scope="session")
def two_room_house(two_room_json):
    from simgen.interop.procthor_export import house_from_scene

    return house_from_scene(two_room_json)
