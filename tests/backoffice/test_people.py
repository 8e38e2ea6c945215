"""Users and API tokens in the back office, and the audit log's filters."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import ApiToken, Role, User
from events_app.audit.models import AuditEvent
from tests.backoffice.conftest import OFFICE, form, sign_in
from tests.conftest import Caller, MakeCaller
from tests.registration.conftest import World


async def test_an_organizer_adds_staff_issues_them_a_token_shown_once_and_revokes_it_after_asking(
    client: AsyncTestClient[Litestar], db: AsyncSession, organizer: Caller
) -> None:
    await sign_in(client, organizer)
    short = await client.post(
        "/office/people/users", data=form(client, name="Sam Door", email="sam@league.test", role="staff", password="x")
    )
    assert short.status_code == 422
    assert 'value="sam@league.test"' in short.text
    partner = await client.post(
        "/office/people/users",
        data=form(client, name="P", email="p@vendor.test", role="partner", password="long enough pass"),
    )
    assert "Choose organizer or on-site staff" in partner.text
    added = await client.post(
        "/office/people/users",
        data=form(client, name="Sam Door", email="sam@league.test", role="staff", password="long enough pass"),
    )
    assert "The user is added" in added.text
    sam = await db.scalar(select(User).where(User.email == "sam@league.test"))
    assert sam is not None
    assert sam.role == Role.STAFF

    issued = await client.post(
        "/office/people/tokens", data=form(client, user=str(sam.id), name="Door 3 scanner", expires_on="2027-10-09")
    )
    assert issued.headers["cache-control"] == "no-store"
    secret = re.search(r'value="(evt_[^"]+)"', issued.text)
    assert secret is not None
    me = await client.get("/api/me", headers={"authorization": f"Bearer {secret.group(1)}"})
    assert me.json()["email"] == "sam@league.test"
    assert secret.group(1) not in (await client.get("/office/people")).text  # shown once

    above = await client.post(
        "/office/people/tokens", data=form(client, user=str(sam.id), name="Sneaky", role="organizer")
    )
    assert above.status_code == 422
    assert "cannot hold a organizer token" in above.text

    token = await db.scalar(select(ApiToken).where(ApiToken.name == "Door 3 scanner"))
    assert token is not None
    asked = await client.post(f"/office/people/tokens/{token.id}/revoke", data=form(client))
    assert "Revoke the token Door 3 scanner?" in asked.text
    assert (await client.get("/api/me", headers={"authorization": f"Bearer {secret.group(1)}"})).status_code == 200
    await client.post(f"/office/people/tokens/{token.id}/revoke", data=form(client, confirmed="yes"))
    assert (await client.get("/api/me", headers={"authorization": f"Bearer {secret.group(1)}"})).status_code == 401
    actions = set(await db.scalars(select(AuditEvent.action).where(AuditEvent.action.startswith("account."))))
    assert actions == {"account.user_created", "account.token_issued", "account.token_revoked"}
    whole = await client.get("/office/audit", params={"kind": "api_token"})
    assert "<code>account.token_revoked</code>" in whole.text
    assert "<code>account.user_created</code>" not in whole.text


async def test_the_audit_log_is_filtered_by_days_in_the_conferences_zone_and_by_kind_of_record(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World, organizer: Caller
) -> None:
    await sign_in(client, organizer)
    entries = list(await db.scalars(select(AuditEvent).where(AuditEvent.conference_id == world.conference.id)))
    assert entries
    day = entries[0].created_at.astimezone(ZoneInfo("America/Los_Angeles")).date()
    on_the_day = await client.get(f"{OFFICE}/audit", params={"from": day.isoformat(), "to": day.isoformat()})
    assert f"{len(entries)} entries." in on_the_day.text
    before = await client.get(f"{OFFICE}/audit", params={"to": day.replace(year=day.year - 1).isoformat()})
    assert "0 entries." in before.text
    types = await client.get(f"{OFFICE}/audit", params={"kind": "registration_type"})
    assert "4 entries." in types.text  # the world's four types, each created once


async def test_an_organizer_deactivates_a_user_after_asking_and_reactivates_them(
    client: AsyncTestClient[Litestar], db: AsyncSession, organizer: Caller, make_caller: MakeCaller
) -> None:
    staff = await make_caller(Role.STAFF)
    await sign_in(client, staff)
    theirs = {"cookie": f"session={client.cookies['session']}"}  # their browser, beside the organizer's
    assert (await client.get("/staff", headers=theirs)).status_code == 200
    client.cookies.clear()
    await sign_in(client, organizer)
    asked = await client.post(f"/office/people/users/{staff.user_id}/sign-in", data=form(client, change="deactivate"))
    assert f"Deactivate {staff.email}?" in asked.text
    assert (await client.get("/api/me", headers=staff.headers)).status_code == 200
    done = await client.post(
        f"/office/people/users/{staff.user_id}/sign-in", data=form(client, change="deactivate", confirmed="yes")
    )
    assert "can no longer sign in" in done.text
    assert (await client.get("/staff", headers=theirs)).status_code == 401
    assert (await client.get("/api/me", headers=staff.headers)).status_code == 401
    assert await db.scalar(select(User.active).where(User.id == staff.user_id)) is False

    own = await client.post(
        f"/office/people/users/{organizer.user_id}/sign-in", data=form(client, change="deactivate", confirmed="yes")
    )
    assert own.status_code == 422
    assert (await client.get("/office/people")).status_code == 200

    reactivated = await client.post(
        f"/office/people/users/{staff.user_id}/sign-in", data=form(client, change="reactivate", confirmed="yes")
    )
    assert "can sign in again" in reactivated.text
    assert (await client.get("/staff", headers=theirs)).status_code == 401  # the old session is gone, not revived
    assert (await client.get("/api/me", headers=staff.headers)).status_code == 200
    subject = AuditEvent.subject_id == str(staff.user_id)
    actions = sorted(await db.scalars(select(AuditEvent.action).where(subject)))
    assert actions == ["account.user_deactivated", "account.user_reactivated"]
