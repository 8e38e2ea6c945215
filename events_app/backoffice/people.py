"""Users and API tokens in the back office: who can sign in, in which role, and which scripts and scanners hold
a token.

Organizers only. A new token's secret is shown once, on the page that issued it, and never
stored (accounts keeps its SHA-256); revoking a token and deactivating or reactivating a user ask
first. Creating, deactivating and reactivating a user, issuing and revoking a token are audited here,
as accounts' service leaves the trail to its callers.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from datetime import date, datetime, time
from typing import Any, Literal
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, MediaType, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts import service as accounts
from events_app.accounts.errors import TokenNotFound
from events_app.accounts.models import ROLE_WORDS, Role, User
from events_app.accounts.schemas import UserIn
from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.backoffice.forms import chosen_id, confirm_then, reason, save_or_refuse, typed_fields
from events_app.backoffice.pages import ORGANIZERS
from events_app.conferences import service as conferences
from events_app.core.errors import DomainError
from events_app.db import roll_back

# People an organizer adds here; partners' users come with their partner in the expo.
PEOPLE_ROLES = (Role.ORGANIZER, Role.STAFF)
TOKEN_ROLES = (Role.ORGANIZER, Role.STAFF, Role.STATION)
DONE = {
    "user": "The user is added; give them their password in person or by phone, not by mail.",
    "revoked": "The token is revoked: it stops working at once.",
    "deactivated": "The user can no longer sign in; their browsers are signed out and their tokens refused.",
    "reactivated": "The user can sign in again.",
}
# A token's expiry is typed as a day; it stops working as that day begins, in UTC (tokens span conferences).
TOKEN_ZONE = ZoneInfo("UTC")


class SignInForm(msgspec.Struct):
    change: Literal["deactivate", "reactivate"]
    confirmed: str = ""


async def _people_page(
    db: AsyncSession, principal: Principal, *, error: str = "", headers: dict[str, str] | None = None, **more: Any
) -> Template:
    """Every user and token with the forms to add one; a refused form comes back as typed, with the reason."""
    users = await accounts.list_users(db)
    context = {
        "principal": principal,
        "conference": None,
        "users": users,
        "names": {u.id: u.email for u in users},
        "tokens": await accounts.list_tokens(db),
        "conferences": await conferences.list_conferences(db, principal=principal),
        "people_roles": PEOPLE_ROLES,
        "token_roles": TOKEN_ROLES,
        "role_words": ROLE_WORDS,
        "user_form": {},
        "token_form": {},
        "error": error,
        **more,
    }
    return Template("backoffice/people.html", context=context, status_code=422 if error else 200, headers=headers)


async def record_new_user(db: AsyncSession, *, actor: Principal, user: User) -> None:
    await record(
        db, actor=actor, action="account.user_created", subject_type="user", subject_id=user.id,
        email=user.email, role=user.role.value,
    )  # fmt: skip


def _uuid(text: str, what: str) -> uuid.UUID | None:
    return chosen_id(text, f"Choose {what} from the list.") if text else None


class PeopleOffice(Controller):
    path = "/office/people"
    include_in_schema = False

    @get("/", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-people")
    async def people(
        self, db_session: NamedDependency[AsyncSession], actor: NamedDependency[Principal], done: FromQuery[str] = ""
    ) -> Template:
        """Every user with their role, every API token with its holder, scope and last use."""
        return await _people_page(db_session, actor, done=DONE.get(done, ""))

    @post("/users", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def add_user(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
    ) -> Template | Redirect:
        """Adds an organizer or on-site staff member who signs in with the password typed here."""
        form = await request.form()
        typed = typed_fields(form, ("name", "email", "role"), longest=320)

        async def add() -> None:
            if typed["role"] not in PEOPLE_ROLES:
                raise ValueError("Choose organizer or on-site staff.")
            try:
                data = msgspec.convert({**typed, "password": str(form.get("password", ""))[:200]}, UserIn)
            except msgspec.ValidationError as exc:
                raise ValueError(f"Not added: {exc}.") from None
            user = await accounts.create_user(
                db_session, email=data.email, name=data.name, password=data.password, role=data.role
            )
            await record_new_user(db_session, actor=actor, user=user)

        def refused(error: str, _status: int) -> Awaitable[Template]:
            return _people_page(db_session, actor, error=error, user_form=typed)

        return await save_or_refuse(db_session, add, then="/office/people?done=user", refused=refused)

    @post("/tokens", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=200)
    async def issue_token(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
    ) -> Template:
        """Issues a token and shows its secret this once: the page is not cached and the secret is not kept."""
        typed = typed_fields(await request.form(), ("user", "name", "role", "conference", "expires_on"), longest=320)
        try:
            if not typed["name"]:
                raise ValueError("Name the token after what holds it (Door 3 scanner, badge printer script).")
            user_id = _uuid(typed["user"], "the user who holds it")
            if user_id is None:
                raise ValueError("Choose the user who holds the token.")
            expires_on = date.fromisoformat(typed["expires_on"]) if typed["expires_on"] else None
            issued = await accounts.issue_token(
                db_session,
                user_id=user_id,
                name=typed["name"][:200],
                role=Role(typed["role"]) if typed["role"] else None,
                conference_id=_uuid(typed["conference"], "the conference"),
                expires_at=datetime.combine(expires_on, time(), TOKEN_ZONE) if expires_on else None,
            )
        except (DomainError, ValueError) as exc:
            await roll_back(db_session)
            return await _people_page(db_session, actor, error=reason(exc), token_form=typed)
        await record(
            db_session, actor=actor, action="account.token_issued", subject_type="api_token",
            subject_id=issued.token.id, name=issued.token.name, role=issued.token.role.value,
            holder=str(issued.token.user_id),
            conference_id=issued.token.conference_id,
        )  # fmt: skip
        await db_session.commit()
        return await _people_page(db_session, actor, issued=issued, headers={"Cache-Control": "no-store"})

    @post("/tokens/{token_id:uuid}/revoke", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def revoke_token(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        token_id: FromPath[uuid.UUID],
    ) -> Template | Redirect:
        """Asks first, naming the token and its holder; then it stops working at once."""

        async def ask() -> Template:
            token = next((t for t in await accounts.list_tokens(db_session) if t.id == token_id), None)
            if token is None:
                raise TokenNotFound("No API token has this id.")
            context = {"principal": actor, "conference": None, "token": token}
            return Template("backoffice/confirm_revoke_token.html", context=context)

        async def revoke() -> None:
            token = await accounts.revoke_token(db_session, token_id=token_id)
            await record(
                db_session, actor=actor, action="account.token_revoked", subject_type="api_token",
                subject_id=token.id, name=token.name, conference_id=token.conference_id,
            )  # fmt: skip

        confirmed = (await request.form()).get("confirmed")
        return await confirm_then(db_session, confirmed, ask=ask, act=revoke, then="/office/people?done=revoked")

    @post("/users/{user_id:uuid}/sign-in", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def change_sign_in(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        user_id: FromPath[uuid.UUID],
        data: URLEncodedBody[SignInForm],
    ) -> Template | Redirect:
        """Asks first; then a deactivated user cannot sign in, their browsers are signed out and their tokens
        refused, and a reactivated one signs in again with their password."""
        user = await accounts.get_user(db_session, user_id=user_id)
        active = data.change == "reactivate"

        async def ask() -> Template:
            context = {"principal": actor, "conference": None, "user": user, "change": data.change}
            return Template("backoffice/confirm_user_sign_in.html", context=context)

        async def act() -> None:
            await accounts.set_active(db_session, user_id=user.id, active=active, actor=actor)
            await record(
                db_session, actor=actor, action=f"account.user_{data.change}d", subject_type="user",
                subject_id=user.id, email=user.email,
            )  # fmt: skip

        then = f"/office/people?done={data.change}d"
        return await confirm_then(db_session, data.confirmed, ask=ask, act=act, then=then)
