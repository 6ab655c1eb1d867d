"""Frame, rotation and asset-table conventions of simgen.interop.thor_types (known answers)."""

import math

import numpy as np
import pytest

from simgen.interop import thor_types as tt


def test_point_axes_swap():
    assert tt.sim_to_thor_point((1.0, 2.0, 3.0)) == {"x": 1.0, "y": 3.0, "z": 2.0}
    assert np.allclose(tt.thor_to_sim_point({"x": 1.0, "y": 3.0, "z": 2.0}), [1.0, 2.0, 3.0])


def test_unity_euler_known_answers():
    # Unity: Euler(0, 90, 0) turns forward (+z) to right (+x); Euler(90, 0, 0) pitches forward down;
    # Euler(0, 0, 90) turns right (+x) to up (+y)
    assert np.allclose(tt.unity_euler_to_matrix({"x": 0, "y": 90, "z": 0}) @ [0, 0, 1], [1, 0, 0])
    assert np.allclose(tt.unity_euler_to_matrix({"x": 90, "y": 0, "z": 0}) @ [0, 0, 1], [0, -1, 0])
    assert np.allclose(tt.unity_euler_to_matrix({"x": 0, "y": 0, "z": 90}) @ [1, 0, 0], [0, 1, 0])


@pytest.mark.parametrize("yaw_deg, thor_y", [(0.0, 90.0), (90.0, 0.0), (180.0, 270.0), (-90.0, 180.0), (30.0, 60.0)])
def test_yaw_maps_to_rotation_y(yaw_deg, thor_y):
    yaw = math.radians(yaw_deg)
    assert tt.thor_yaw_deg(yaw) == pytest.approx(thor_y)
    R = np.array([[math.cos(yaw), -math.sin(yaw), 0], [math.sin(yaw), math.cos(yaw), 0], [0, 0, 1]])
    e = tt.thor_rotation_from_sim(R)
    assert e["y"] == pytest.approx(thor_y, abs=1e-9) and abs(e["x"]) < 1e-9 and abs(e["z"]) < 1e-9
    # THOR's asset front (+z local) lands where simgen's front (+x local) points, after the axis swap
    front_thor = tt.unity_euler_to_matrix(e) @ [0, 0, 1]
    assert np.allclose(front_thor, tt.THOR_FROM_SIM @ [math.cos(yaw), math.sin(yaw), 0])


def test_rotation_round_trip_with_tilt(rng):
    from scipy.spatial.transform import Rotation

    for R in Rotation.random(50, random_state=7).as_matrix():
        back = tt.sim_rotation_from_thor(tt.thor_rotation_from_sim(R))
        assert np.abs(back - R).max() < 1e-9


def test_local_axes_are_a_reflection():
    # left-handed THOR local frame -> right-handed simgen asset frame: det -1, front +z -> +x, up +y -> +z
    A = tt.SIM_LOCAL_FROM_THOR_LOCAL
    assert np.linalg.det(A) == pytest.approx(-1.0) and np.linalg.det(tt.THOR_FROM_SIM) == pytest.approx(-1.0)
    assert np.allclose(A @ [0, 0, 1], [1, 0, 0]) and np.allclose(A @ [0, 1, 0], [0, 0, 1])


def test_mapping_covers_every_category_and_types_exist():
    from simgen.assets import categories

    assert set(categories()) <= set(tt.CATEGORY_TO_THOR)
    table = tt.asset_table()
    for cat, (ttype, kind) in tt.CATEGORY_TO_THOR.items():
        assert kind in ("exact", "proxy", "none")
        assert (ttype is None) == (kind == "none"), cat
        if ttype is not None:
            assert table["assets"][ttype], ttype
            if kind == "exact":
                assert tt.THOR_TO_CATEGORY[ttype] == cat
    for ttype, cat in tt.THOR_TO_CATEGORY.items():
        assert ttype in table["type_sizes"] and table["assets"][ttype] and cat in categories()
    # the built-in table is small and holds exactly the types simgen exports to or imports from
    assert table["source"] == "builtin"
    assert set(table["assets"]) == set(tt.THOR_TO_CATEGORY) | {t for t, _k in tt.CATEGORY_TO_THOR.values() if t}
    assert all(1 <= len(rows) <= 3 for rows in table["assets"].values())
    for ttype, rows in table["assets"].items():
        typ = np.array(table["type_sizes"][ttype])
        assert np.all(typ > 0) and all(np.all(np.array(r[1:]) > 0) for r in rows)


def test_closest_asset_and_holes_known_answers():
    # built-in Chair assets (x, y, z): Chair_205_1 0.42 0.88 0.47, Chair_007_3 0.45 1.04 0.54,
    # Chair_007_5 0.53 1.23 0.63. For (0.47, 0.97, 0.50) the sums of squared log ratios are 0.026,
    # 0.013 and 0.12: Chair_007_3 wins
    assert tt.closest_asset("Chair", (0.47, 0.97, 0.50)) == ("Chair_007_3", (0.45, 1.04, 0.54))
    assert tt.closest_asset("Chair", (0.42, 0.88, 0.47))[0] == "Chair_205_1"
    assert tt.closest_hole("Doorway_", 0.999, 2.0736) == "Doorway_9"
    assert tt.closest_hole("Doorframe_", 0.999, 2.0736) == "Doorframe_9"
    assert tt.closest_hole("Doorway_", 2.0, 2.1) == "Doorway_Double_1"
    assert tt.closest_hole("Window_Fixed", 1.52, 1.82) == "Window_Fixed_60x72"
    with pytest.raises(KeyError):
        tt.closest_hole("Window_Bay", 1.3, 1.2)
    # sizes swap: simgen (depth, width, height) <-> THOR (width, height, depth)
    assert np.allclose(tt.thor_size_from_sim([0.5, 0.4, 0.9]), [0.4, 0.9, 0.5])
    assert np.allclose(tt.sim_size_from_thor(tt.thor_size_from_sim([0.5, 0.4, 0.9])), [0.5, 0.4, 0.9])
