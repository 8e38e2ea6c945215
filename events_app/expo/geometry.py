"""Plane geometry of the floor plan, in feet: polygons, their size and area, and how far apart two are.

Shapes are simple polygons given as ``[[x, y], ...]`` (no closing repeat), with the origin at a
hall's top-left corner and y growing towards the back of the hall, as in SVG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Point = tuple[float, float]
Polygon = Sequence[Sequence[float]]


def rectangle(x: float, y: float, width: float, depth: float) -> list[list[float]]:
    return [[x, y], [x + width, y], [x + width, y + depth], [x, y + depth]]


def bounds(shape: Polygon) -> tuple[float, float, float, float]:
    """``(min_x, min_y, max_x, max_y)``."""
    xs = [p[0] for p in shape]
    ys = [p[1] for p in shape]
    return min(xs), min(ys), max(xs), max(ys)


def area(shape: Polygon) -> float:
    """The shoelace formula; positive whichever way the points run."""
    total = 0.0
    for i, (x1, y1) in enumerate(shape):
        x2, y2 = shape[(i + 1) % len(shape)]
        total += x1 * y2 - x2 * y1
    return abs(total) / 2


def centroid(shape: Polygon) -> Point:
    min_x, min_y, max_x, max_y = bounds(shape)
    return (min_x + max_x) / 2, (min_y + max_y) / 2


def _segments(shape: Polygon) -> list[tuple[Point, Point]]:
    points = [(float(p[0]), float(p[1])) for p in shape]
    return [(points[i], points[(i + 1) % len(points)]) for i in range(len(points))]


def _point_segment_distance(p: Point, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length_sq = dx * dx + dy * dy
    t = 0.0 if length_sq == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length_sq))
    return math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy))


def _cross(o: Point, a: Point, b: Point) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _segments_cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    d1, d2 = _cross(c, d, a), _cross(c, d, b)
    d3, d4 = _cross(a, b, c), _cross(a, b, d)
    return ((d1 > 0) != (d2 > 0)) and ((d3 > 0) != (d4 > 0)) and 0 not in (d1, d2, d3, d4)


def contains(shape: Polygon, point: Point) -> bool:
    """Ray casting; a point on the edge may go either way, which ``distance`` does not mind."""
    inside = False
    for (x1, y1), (x2, y2) in _segments(shape):
        if (y1 > point[1]) != (y2 > point[1]):
            x_at = x1 + (point[1] - y1) * (x2 - x1) / (y2 - y1)
            if point[0] < x_at:
                inside = not inside
    return inside


def bounds_gap(first: Polygon, second: Polygon) -> float:
    """The gap between the shapes' bounding boxes: never more than ``distance``, and far cheaper, so a pair
    at least this far apart needs no closer look."""
    a, b = bounds(first), bounds(second)
    return math.hypot(max(0.0, b[0] - a[2], a[0] - b[2]), max(0.0, b[1] - a[3], a[1] - b[3]))


def distance(first: Polygon, second: Polygon) -> float:
    """Edge-to-edge distance in feet; 0 when the shapes touch or overlap (neighbouring booths)."""
    edges_a, edges_b = _segments(first), _segments(second)
    if any(_segments_cross(a, b, c, d) for a, b in edges_a for c, d in edges_b):
        return 0.0
    if contains(first, (float(second[0][0]), float(second[0][1]))) or contains(
        second, (float(first[0][0]), float(first[0][1]))
    ):
        return 0.0
    best = math.inf
    for a, b in edges_a:
        for c, d in edges_b:
            best = min(
                best,
                _point_segment_distance(a, c, d),
                _point_segment_distance(b, c, d),
                _point_segment_distance(c, a, b),
                _point_segment_distance(d, a, b),
            )
    return best


def is_simple_polygon(shape: Polygon) -> bool:
    """At least three distinct points, a non-zero area, and no edge crossing another."""
    if len(shape) < 3 or len({(p[0], p[1]) for p in shape}) != len(shape) or area(shape) == 0:
        return False
    edges = _segments(shape)
    for i, (a, b) in enumerate(edges):
        for j, (c, d) in enumerate(edges):
            if abs(i - j) > 1 and {i, j} != {0, len(edges) - 1} and _segments_cross(a, b, c, d):
                return False
    return True


def _on_boundary(shape: Polygon, point: Point) -> bool:
    return any(_point_segment_distance(point, a, b) < 1e-9 for a, b in _segments(shape))


def _strictly_inside(shape: Polygon, point: Point) -> bool:
    return contains(shape, point) and not _on_boundary(shape, point)


def is_convex(shape: Polygon) -> bool:
    points = [(float(p[0]), float(p[1])) for p in shape]
    signs = {
        _cross(points[i], points[(i + 1) % len(points)], points[(i + 2) % len(points)]) > 0
        for i in range(len(points))
        if _cross(points[i], points[(i + 1) % len(points)], points[(i + 2) % len(points)]) != 0
    }
    return len(signs) <= 1


def _clip(subject: list[Point], clip: list[Point]) -> list[Point]:
    """Sutherland-Hodgman: the part of ``subject`` inside the convex polygon ``clip``."""
    signed_twice_area = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(clip, clip[1:] + clip[:1], strict=True))
    if signed_twice_area < 0:
        clip = clip[::-1]  # counter-clockwise, so "inside" is to the left of every edge
    output = subject
    for a, b in zip(clip, clip[1:] + clip[:1], strict=True):
        if not output:
            break
        points, output = output, []
        for i, current in enumerate(points):
            previous = points[i - 1]
            inside_now, inside_before = _cross(a, b, current) >= 0, _cross(a, b, previous) >= 0
            if inside_now != inside_before:
                dx, dy = current[0] - previous[0], current[1] - previous[1]
                ex, ey = b[0] - a[0], b[1] - a[1]
                t = ((a[0] - previous[0]) * ey - (a[1] - previous[1]) * ex) / (dx * ey - dy * ex)
                output.append((previous[0] + t * dx, previous[1] + t * dy))
            if inside_now:
                output.append(current)
    return output


def overlaps(first: Polygon, second: Polygon) -> bool:
    """True when the shapes share area; neighbours that only share a wall or a corner do not overlap."""
    a_min_x, a_min_y, a_max_x, a_max_y = bounds(first)
    b_min_x, b_min_y, b_max_x, b_max_y = bounds(second)
    if a_max_x <= b_min_x or b_max_x <= a_min_x or a_max_y <= b_min_y or b_max_y <= a_min_y:
        return False
    points_a = [(float(p[0]), float(p[1])) for p in first]
    points_b = [(float(p[0]), float(p[1])) for p in second]
    for subject, clip in ((points_a, points_b), (points_b, points_a)):
        if is_convex(clip):
            clipped = _clip(subject, clip)
            return len(clipped) >= 3 and area(clipped) > 1e-6
    # Both concave (rare for booths): crossing edges or a corner strictly inside the other.
    edges_a, edges_b = _segments(first), _segments(second)
    if any(_segments_cross(a, b, c, d) for a, b in edges_a for c, d in edges_b):
        return True
    if any(_strictly_inside(second, p) for p in points_a) or any(_strictly_inside(first, p) for p in points_b):
        return True
    return _strictly_inside(second, centroid(first)) or _strictly_inside(first, centroid(second))


def first_overlap(shapes: list[tuple[str, Polygon]]) -> tuple[str, str] | None:
    """The first two named shapes that overlap, found by sweeping along x (fast for a hall of booths)."""
    ordered = sorted(shapes, key=lambda item: bounds(item[1])[0])
    for i, (name, shape) in enumerate(ordered):
        max_x = bounds(shape)[2]
        for other_name, other in ordered[i + 1 :]:
            if bounds(other)[0] >= max_x:
                break
            if overlaps(shape, other):
                return name, other_name
    return None
