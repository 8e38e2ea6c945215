"""HTTP API of users and API tokens (organizers), and "who am I" for any signed-in caller."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts import service
from events_app.accounts.access import allow
from events_app.accounts.models import ApiToken, Role, User
from events_app.accounts.schemas import IssuedTokenOut, MeOut, TokenIn, TokenOut, UserIn, UserOut
from events_app.accounts.service import Principal


def user_out(user: User) -> UserOut:
    return msgspec.convert(user, UserOut, from_attributes=True)


def token_out(token: ApiToken) -> TokenOut:
    return msgspec.convert(token, TokenOut, from_attributes=True)


class AccountController(Controller):
    path = "/api"
    tags = ["Accounts"]
    opt = allow()

    @get("/me", opt=allow(Role.STAFF, Role.PARTNER), operation_id="whoAmI")
    async def me(self, principal: NamedDependency[Principal]) -> MeOut:
        """The user and role behind the token this request carries."""
        return msgspec.convert(principal, MeOut, from_attributes=True)

    @get("/users", operation_id="listUsers")
    async def list_users(self, db_session: NamedDependency[AsyncSession]) -> list[UserOut]:
        """Every user who can sign in, by email."""
        return [user_out(u) for u in await service.list_users(db_session)]

    @post("/users", operation_id="createUser")
    async def create_user(self, db_session: NamedDependency[AsyncSession], data: JSONBody[UserIn]) -> UserOut:
        """Adds an organizer, staff member or partner user who signs in with a password."""
        user = await service.create_user(
            db_session, email=data.email, name=data.name, password=data.password, role=data.role
        )
        return user_out(user)

    @get("/tokens", operation_id="listTokens")
    async def list_tokens(self, db_session: NamedDependency[AsyncSession]) -> list[TokenOut]:
        """Every API token (never its secret), revoked ones included."""
        return [token_out(t) for t in await service.list_tokens(db_session)]

    @post("/tokens", operation_id="issueToken")
    async def issue_token(self, db_session: NamedDependency[AsyncSession], data: JSONBody[TokenIn]) -> IssuedTokenOut:
        """Issues a bearer token for a user, optionally limited to one conference and a role below theirs."""
        issued = await service.issue_token(
            db_session,
            user_id=data.user_id,
            name=data.name,
            role=data.role,
            conference_id=data.conference_id,
            expires_at=data.expires_at,
        )
        return IssuedTokenOut(token=issued.secret, details=token_out(issued.token))

    @delete("/tokens/{token_id:uuid}", status_code=200, operation_id="revokeToken")
    async def revoke_token(self, db_session: NamedDependency[AsyncSession], token_id: FromPath[uuid.UUID]) -> TokenOut:
        """Revokes a token at once (a lost scanner, a departed contractor)."""
        return token_out(await service.revoke_token(db_session, token_id=token_id))
