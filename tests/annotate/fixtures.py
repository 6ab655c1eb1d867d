"""Hand-built scene.json / camera.json / frames.jsonl content with known answers (no rendering)."""

from __future__ import annotations

import numpy as np


def box_object(oid, category, center, extents, yaw=0.0, color="red", placement="floor", support=None,
               room="room_0"):
    c, s = np.cos(yaw), np.sin(yaw)
    R = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])
    e = np.asarray(extents, dtype=float)
    corners = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]) * e / 2 @ R.T + center
    return {"id": oid, "name": f"{category}_{oid}", "kind": "object", "category": category, "room": room,
            "placement": placement, "support": support, "yaw": yaw, "size_m": list(e),
            "obb": {"center": list(map(float, center)), "extents": list(e), "rotation": R.tolist()},
            "aabb": {"min": corners.min(0).tolist(), "max": corners.max(0).tolist()},
            "obb_corners": corners.tolist(), "convex_parts": [corners.tolist()], "color": color,
            "material": "wood", "covered": True, "first_frame": 0, "last_frame": 0, "best_frame": 0}


def look_pose(eye, target):
    """OpenCV cam_to_world looking from eye to target (+Z up)."""
    eye, target = np.asarray(eye, float), np.asarray(target, float)
    z = target - eye
    z /= np.linalg.norm(z)
    x = np.cross(z, [0, 0, 1.0])
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    T = np.eye(4)
    T[:3, 0], T[:3, 1], T[:3, 2], T[:3, 3] = x, y, z, eye
    return T


def three_object_scene():
    """A 6 m x 5 m room: a table at (1, 1), a sofa at (4, 1), a chair at (2, 4); camera frames look
    from the middle. Closest distance table-sofa: 1.5 m (table x <= 1.5, sofa x >= 3)."""
    scene = {"scene_id": "000001", "rooms": [{"id": "room_0", "type": "living_room",
                                               "polygon": [[0, 0], [6, 0], [6, 5], [0, 5]], "area_m2": 30.0,
                                               "height_m": 2.6}],
             "doors": [], "objects": [
                 box_object(1, "table", [1, 1, 0.4], [1.0, 1.0, 0.8], color="brown"),
                 box_object(2, "sofa", [4, 1, 0.45], [1.0, 2.0, 0.9], yaw=np.pi / 2, color="gray"),
                 box_object(3, "chair", [2, 4, 0.5], [0.5, 0.5, 1.0], color="red"),
             ]}
    K = [[100.0, 0, 80.0], [0, 100.0, 60.0], [0, 0, 1]]
    poses = [look_pose([3, 3, 1.5], [1, 1, 0.4]), look_pose([3, 2.5, 1.5], [4, 1, 0.45]),
             look_pose([2.5, 2.5, 1.5], [2, 4, 0.5])]
    camera = {"width": 160, "height": 120, "K": K, "frames": [{"index": i, "cam_to_world": p.tolist()}
                                                              for i, p in enumerate(poses)]}
    frames = [{"index": i, "objects": [{"id": oid, "visible_px": 2000, "vis_fraction": 1.0,
                                        "bbox_visible_xyxy": [10 + 40 * k, 10, 40 + 40 * k, 50],
                                        "bbox_amodal_xyxy": [10 + 40 * k, 10, 40 + 40 * k, 50], "truncated": False,
                                        "corners_inside": 1.0, "distance_m": 2.0}
                                       for k, oid in enumerate(ids)]}
              for i, ids in enumerate([[1], [2], [3]])]
    return scene, camera, frames
