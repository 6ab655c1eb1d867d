"""Question wording. The VSI-Bench templates reproduce the benchmark's wording (see
docs/qa.md); the others follow SAT / OpenSpatial phrasing. `template_id` = the dictionary key."""

from __future__ import annotations

T = {
    # VSI-Bench
    "object_counting": "How many {category}(s) are in this room?",
    "object_counting_multi": "How many {category}(s) are in these rooms?",
    "object_abs_distance": ("Measuring from the closest point of each object, what is the direct distance "
                            "between the {a} and the {b} (in meters)?"),
    "object_size_estimation": ("What is the length of the longest dimension (length, width, or height) of "
                               "the {a}, measured in centimeters?"),
    "room_size_estimation": ("What is the size of this room (in square meters)? If multiple rooms are shown, "
                             "estimate the size of the combined space."),
    "room_size_this": "What is the size of the room the camera spends most time in (in square meters)?",
    "object_rel_distance": ("Measuring from the closest point of each object, which of these objects "
                            "({c0}, {c1}, {c2}, {c3}) is the closest to the {a}?"),
    "object_rel_distance_far": ("Measuring from the closest point of each object, which of these objects "
                                "({c0}, {c1}, {c2}, {c3}) is the farthest from the {a}?"),
    "object_rel_direction_easy": ("If I am standing by the {pos} and facing the {ori}, is the {query} to the "
                                  "left or the right of the {ori}?"),
    "object_rel_direction_medium": ("If I am standing by the {pos} and facing the {ori}, is the {query} to my "
                                    "left, right, or back? An object is to my back if I would have to turn at "
                                    "least 135 degrees in order to face it."),
    "object_rel_direction_hard": ("If I am standing by the {pos} and facing the {ori}, is the {query} to my "
                                  "front-left, front-right, back-left, or back-right? The directions refer to "
                                  "the quadrants of a Cartesian plane (if I am standing at the origin and facing "
                                  "along the positive y-axis)."),
    "route_planning": ("You are a robot beginning at the {start} and facing the {facing}. You want to navigate "
                       "to the {goal}. You will perform the following actions (Note: for each [please fill in], "
                       "choose either 'turn back,' 'turn left,' or 'turn right.'): {steps} You have reached the "
                       "final destination."),
    "obj_appearance_order": ("What will be the first-time appearance order of the following categories in the "
                             "video: {c0}, {c1}, {c2}, {c3}?"),
    # single frame (SAT static)
    "closer_to_camera": "In frame {frame}, which is closer to the camera, the {a} or the {b}?",
    "image_left_right": "In frame {frame}, is the {a} to the left or to the right of the {b} in the image?",
    "above_below": "In frame {frame}, is the {a} above or below the {b}?",
    "count_visible": "How many {category}(s) can be seen in frame {frame}?",
    # camera motion (SAT dynamic)
    "camera_move_direction": ("Between frame {i} and frame {j}, did the camera move mainly forward, backward, "
                              "left or right (relative to where it faced in frame {i})?"),
    "camera_move_distance": "How far did the camera move over the floor between frame {i} and frame {j} (in meters)?",
    "camera_turn_direction": "Between frame {i} and frame {j}, did the camera turn left or right?",
    "camera_turn_angle": "By how many degrees did the camera turn between frame {i} and frame {j}?",
    "goal_aiming": ("At frame {frame}, which way should the camera turn to face the {a}: turn left, turn right "
                    "or turn around?"),
    "perspective_taking": ("Imagine standing where the camera is at frame {frame} and facing the {a}. Is the "
                           "{b} to your left or to your right?"),
    # geometry perception
    "object_depth": "In frame {frame}, what is the depth of the centre of the {a} from the camera (in meters)?",
    "camera_height": "At frame {frame}, how high above the floor is the camera (in meters)?",
    "multiview_correspondence": ("In frame {i}, a point is marked at pixel ({u}, {v}) on the top of an object. "
                                 "Which of the marked pixels in frame {j} shows the same 3D point?"),
    "grounding_2d": ("Give the 2D bounding box of the {a} in frame {frame} as [x0, y0, x1, y1] in pixels "
                     "(origin at the top-left image corner)."),
    "grounding_3d": ("Give the 3D bounding box of the {a} as [cx, cy, cz, lx, ly, lz, roll, pitch, yaw] in "
                     "meters and radians, in the world frame (+z up)."),
    # cognitive map
    "cognitive_map": ("Draw a top-down map of the {cats} in this video on a grid of {cell} m cells. The origin is "
                      "the camera's position in the first frame, +row points where it faces, +col to its right; "
                      "give each object's centre as [col, row] (cell index, rounded down), as JSON "
                      "{{category: [[col, row], ...]}}."),
}


def route_steps(n_turns: int, initial_turn: bool, waypoints: list[str], goal: str) -> str:
    """The numbered action list of a route question: 'Go forward until the X' and '[please fill in]'."""
    steps = []
    if initial_turn:
        steps.append("[please fill in]")
    for w in waypoints:
        steps.append(f"Go forward until the {w}")
        steps.append("[please fill in]")
    steps.append(f"Go forward until the {goal}.")
    if steps.count("[please fill in]") != n_turns:
        raise ValueError(f"route with {n_turns} turns but {len(waypoints)} waypoints")
    return " ".join(f"{k + 1}. {s}" for k, s in enumerate(steps))
