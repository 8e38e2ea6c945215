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
