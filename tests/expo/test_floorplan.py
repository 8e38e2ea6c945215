"""Organizers import and export the floor plan; everyone sees it drawn, coloured by availability."""

from __future__ import annotations

import copy
import random
import xml.etree.ElementTree as ET

from litestar import Litestar
from litestar.testing import AsyncTestClient

from events_app.expo import geometry
from tests.conftest import Caller
from tests.expo.conftest import ExpoWorld, MakePartner, plan_document

Client = AsyncTestClient[Litestar]
SVG = "{http://www.w3.org/2000/svg}"


async def test_export_then_import_changes_nothing_and_keeps_booth_ids(
    client: Client, expo: ExpoWorld, organizer: Caller
) -> None:
    exported = (await client.get(f"{expo.api}/floor-plan")).json()
    assert exported["format"] == "events-app/floor-plan"
    assert exported["version"] == 1
    hall = exported["halls"][0]
    assert {b["code"]: b["id"] for b in hall["booths"]} == {code: str(b.id) for code, b in expo.booths.items()}
    assert next(a for a in hall["areas"] if a["kind"] == "entrance")["polygon"] == [[90, 110], [110, 110], [100, 120]]
    result = await client.put(f"{expo.api}/floor-plan", json=exported, headers=organizer.headers)
    assert result.json() == {"halls": 1, "booths_added": 0, "booths_updated": 13, "booths_removed": 0, "areas": 2}
    assert (await client.get(f"{expo.api}/floor-plan")).json() == exported


async def test_a_renumbered_booth_keeps_its_id_and_its_hold(
    client: Client, expo: ExpoWorld, organizer: Caller, make_partner: MakePartner
) -> None:
    acme = await make_partner("Acme")
    held = (await client.post(f"{expo.api}/holds", json={"booth_code": "101"}, headers=acme.headers)).json()
    doc = (await client.get(f"{expo.api}/floor-plan")).json()
    booths = doc["halls"][0]["booths"]
    first, second = booths[0], booths[1]
    first["code"], second["code"] = second["code"], first["code"]  # swap two booth numbers in one import
    first["price_cents"] = 275_000
    assert (await client.put(f"{expo.api}/floor-plan", json=doc, headers=organizer.headers)).status_code == 200
    mine = (await client.get(f"{expo.api}/holds/{held['id']}", headers=acme.headers)).json()
    assert (mine["booth_code"], mine["price_cents"], mine["live"]) == ("102", 275_000, True)


async def test_a_held_or_booked_booth_cannot_be_left_out_of_an_import(
    client: Client, expo: ExpoWorld, organizer: Caller, make_partner: MakePartner
) -> None:
    acme = await make_partner("Acme")
    await client.post(f"{expo.api}/holds", json={"booth_code": "105"}, headers=acme.headers)
    doc = (await client.get(f"{expo.api}/floor-plan")).json()
    smaller = copy.deepcopy(doc)
    smaller["halls"][0]["booths"] = [b for b in doc["halls"][0]["booths"] if b["code"] not in ("105", "106")]
    refused = await client.put(f"{expo.api}/floor-plan", json=smaller, headers=organizer.headers)
    assert refused.status_code == 409
    assert "105" in refused.json()["detail"]
    assert len((await client.get(f"{expo.api}/booths")).json()) == 13  # nothing half-written
    smaller["halls"][0]["booths"] = [b for b in doc["halls"][0]["booths"] if b["code"] != "106"]
    removed = await client.put(f"{expo.api}/floor-plan", json=smaller, headers=organizer.headers)
    assert removed.json()["booths_removed"] == 1


async def test_bad_floor_plans_are_refused_with_a_reason(client: Client, expo: ExpoWorld, organizer: Caller) -> None:
    future = {**plan_document(), "version": 2}
    crossing = plan_document()
    crossing["halls"][0]["booths"][0] = {"code": "X1", "kind": "island", "price_cents": 1,
                                         "polygon": [[0, 0], [10, 10], [10, 0], [0, 10]]}  # fmt: skip
    outside = plan_document()
    outside["halls"][0]["booths"][0]["rect"] = [195, 10, 10, 10]
    twice = plan_document()
    twice["halls"][0]["booths"][1]["code"] = "101"
    both = plan_document()
    both["halls"][0]["booths"][0]["polygon"] = [[10, 10], [20, 10], [20, 20]]
    overlapping = plan_document()
    overlapping["halls"][0]["booths"][1]["rect"] = [15, 10, 10, 10]
    for doc, code in ((future, "floor-plan-version"), (crossing, "floor-plan-shape"),
                      (outside, "floor-plan-outside-hall"), (twice, "floor-plan-duplicate-booth"),
                      (both, "floor-plan-shape"), (overlapping, "floor-plan-overlap")):  # fmt: skip
        response = await client.put(f"{expo.api}/floor-plan", json=doc, headers=organizer.headers)
        assert (response.status_code, response.json().get("code")) == (422, code), response.text


async def test_the_svg_colours_booths_by_availability(
    client: Client, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    acme, other = await make_partner("Acme"), await make_partner("Other")
    await client.post(f"{expo.api}/holds", json={"booth_code": "101"}, headers=acme.headers)
    held = (await client.post(f"{expo.api}/holds", json={"booth_code": "102"}, headers=other.headers)).json()
    await client.post(f"{expo.api}/holds/{held['id']}/checkout", json={"method": "invoice"}, headers=other.headers)
    response = await client.get(f"{expo.api}/floor-plan.svg", headers=acme.headers)
    assert response.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(response.text)  # noqa: S314 (our own output, parsed to check it is well-formed)
    booths = {g.get("data-code"): g for g in root.iter(f"{SVG}g") if "booth" in (g.get("class") or "")}
    assert booths["101"].get("data-status") == "mine-held"
    assert booths["102"].get("data-status") == "booked"
    assert booths["102"].get("data-exhibitor") == "Other"
    assert booths["103"].get("data-status") == "available"
    assert booths["201"].get("data-size") == "10x20"
    assert "$3,500.00" in (booths["201"].get("aria-label") or "")
    assert [t.text for t in root.iter(f"{SVG}text") if t.text == "Main aisle"] == ["Main aisle"]


async def test_booths_can_be_filtered_by_size_and_price(client: Client, expo: ExpoWorld) -> None:
    tens = (await client.get(f"{expo.api}/booths", params={"size": "10x10"})).json()
    assert len(tens) == 10
    cheap = (await client.get(f"{expo.api}/booths", params={"max_price_cents": 400_000})).json()
    assert {b["code"] for b in cheap} == {str(101 + n) for n in range(10)} | {"201", "202"}
    islands = (await client.get(f"{expo.api}/booths", params={"kind": "island"})).json()
    assert [(b["code"], b["area_sqft"]) for b in islands] == [("301", 400)]


def test_distance_between_booths_is_edge_to_edge() -> None:
    a = geometry.rectangle(0, 0, 10, 10)
    assert geometry.distance(a, geometry.rectangle(10, 0, 10, 10)) == 0  # neighbours share a wall
    assert geometry.distance(a, geometry.rectangle(30, 0, 10, 10)) == 20
    assert round(geometry.distance(a, geometry.rectangle(13, 14, 5, 5)), 6) == 5  # corner to corner: 3-4-5
    assert geometry.distance(a, geometry.rectangle(2, 2, 2, 2)) == 0  # one inside the other
    assert geometry.area([[0, 0], [10, 0], [10, 10], [5, 15], [0, 10]]) == 125


def test_the_bounding_box_gap_never_exceeds_the_distance() -> None:
    # The competitor rule skips the exact distance for a pair whose boxes are far enough apart: sound only
    # if the boxes' gap is a lower bound, for any shapes and placements.
    chance = random.Random(20261203)
    for _ in range(2000):
        shapes = []
        for _shape in range(2):
            x, y = chance.uniform(0, 60), chance.uniform(0, 60)
            shapes.append([[x + chance.uniform(0, 5), y], [x + 10, y + chance.uniform(0, 5)], [x + 7, y + 12],
                           [x, y + chance.uniform(5, 10)]])  # fmt: skip
        first, second = shapes
        assert geometry.bounds_gap(first, second) <= geometry.distance(first, second) + 1e-9
    a = geometry.rectangle(0, 0, 10, 10)
    assert geometry.bounds_gap(a, geometry.rectangle(30, 0, 10, 10)) == 20  # exact for rectangles in a row
    assert geometry.bounds_gap(a, geometry.rectangle(13, 14, 5, 5)) == 5


def test_overlap_means_shared_area_not_a_shared_wall() -> None:
    a = geometry.rectangle(0, 0, 10, 10)
    assert not geometry.overlaps(a, geometry.rectangle(10, 0, 10, 10))
    assert not geometry.overlaps(a, geometry.rectangle(10, 10, 5, 5))
    assert geometry.overlaps(a, geometry.rectangle(5, 5, 10, 10))
    assert geometry.overlaps(a, geometry.rectangle(0, 0, 10, 10))
    assert geometry.overlaps(a, geometry.rectangle(2, 0, 6, 10))  # inside, touching two walls
    assert geometry.overlaps([[0, 0], [20, 0], [0, 20]], geometry.rectangle(1, 1, 2, 2))
    assert geometry.overlaps(a, geometry.rectangle(5, 0, 10, 10))  # same row, shifted half a booth
    l_shape = [[0, 0], [20, 0], [20, 10], [10, 10], [10, 20], [0, 20]]
    assert not geometry.overlaps(l_shape, geometry.rectangle(12, 12, 8, 8))  # in the L's notch
    assert geometry.overlaps(l_shape, geometry.rectangle(5, 15, 10, 10))


async def test_one_booth_reads_as_the_caller_sees_it(
    client: Client, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    acme = await make_partner("Acme")
    await client.post(f"{expo.api}/holds", json={"booth_code": "110"}, headers=acme.headers)
    url = f"{expo.api}/booths/{expo.booths['110'].id}"
    mine = (await client.get(url, headers=acme.headers)).json()
    assert (mine["status"], mine["size"], mine["kind"]) == ("mine-held", "10x10", "inline")
    assert mine["held_until"] is not None
    public = (await client.get(url)).json()
    assert (public["status"], public["held_until"]) == ("held", None)
    assert (await client.get(f"{expo.api}/booths/{expo.conference.id}")).status_code == 404
