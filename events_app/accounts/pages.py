"""Sign-in and sign-out pages; a signed-in session (kept server-side) carries only the user's id."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, MediaType, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC
from events_app.accounts.errors import TooManySignIns
from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.accounts.sign_in import sign_in
from events_app.accounts.web_sessions import SESSION_USER_KEY

STAFF_HOME = "/staff"


class LoginForm(msgspec.Struct):
    email: Annotated[str, msgspec.Meta(max_length=320)] = ""
    password: Annotated[str, msgspec.Meta(max_length=200)] = ""
    next: str = "/"


def _local_path(target: str) -> str:
    """Only same-site paths, so the sign-in form cannot bounce people to another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


class LoginPages(Controller):
    opt = PUBLIC
    include_in_schema = False

    @get("/login", media_type=MediaType.HTML)
    async def login_form(self, principal: NamedDependency[Principal | None], next: FromQuery[str] = "/") -> Template:
        return Template("accounts/login.html", context={"next": _local_path(next), "email": "", "principal": principal})

    @post("/login", media_type=MediaType.HTML, status_code=303)
    async def login(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        data: URLEncodedBody[LoginForm],
    ) -> Redirect | Template:
        context = {"next": _local_path(data.next), "email": data.email, "principal": None}
        address = request.client.host if request.client else ""
        try:
            user = await sign_in(db_session, email=data.email, password=data.password, address=address)
        except TooManySignIns as refusal:
            headers = {"Retry-After": str(refusal.retry_after)}
            return Template(
                "accounts/login.html", context={**context, "error": refusal.detail}, status_code=429, headers=headers
            )
        if user is None:
            error = "That email and password do not match an active account."
            return Template("accounts/login.html", context={**context, "error": error}, status_code=400)
        request.set_session({SESSION_USER_KEY: str(user.id)})
        target = _local_path(data.next)
        # Staff signing in from the front door land on their tools (their stations, the desk), not the public pages.
        if target == "/" and user.role == Role.STAFF:
            target = STAFF_HOME
        return Redirect(target, status_code=303)

    @post("/logout", status_code=303)
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        request.clear_session()
        return Redirect("/", status_code=303)
