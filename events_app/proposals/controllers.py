"""HTTP API of the call for proposals: the call (public, set by organizers), speakers' own side under
their signed link, reviewers' queue and scores, and organizers' list, decisions, release and exports.

Speakers have no account: the link mailed to them is their key, as an attendee's manage link is.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter, RawBody
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC, allow
from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.core.downloads import CSV, download
from events_app.core.pagination import Limit, Offset
from events_app.proposals import call as calls
from events_app.proposals import decisions, reviews, submissions
from events_app.proposals.dependencies import provide_owned_proposal, provide_speaker, provide_speakers_proposal
from events_app.proposals.errors import ProposalNotFound
from events_app.proposals.models import Decision, Proposal, ProposalSpeaker, ProposalState, SpeakerResponse
from events_app.proposals.schemas import (
    CallIn,
    CallOut,
    Confirmation,
    CoSpeakerIn,
    DecisionIn,
    ProfileIn,
    ProfileOut,
    ProposalDetail,
    ProposalIn,
    ProposalOut,
    ProposalRow,
    ReleaseOut,
    ReviewerIn,
    ReviewerOut,
    ReviewIn,
    ReviewQueueOut,
    SignInIn,
    Sort,
)
from events_app.settings import Settings

ORGANIZERS = allow()
StateFilter = Annotated[ProposalState | None, QueryParameter(name="state", description="Only proposals in this state.")]
REVIEWERS = allow(Role.REVIEWER)
SPEAKER = "/speaker/{token:str}"
SPEAKERS_PROPOSAL = SPEAKER + "/proposals/{proposal_id:uuid}"


async def _one_out(db: AsyncSession, proposal: Proposal) -> ProposalOut:
    return (await submissions.proposals_out(db, [proposal]))[0]


class ProposalController(Controller):
    """The call for proposals of a conference."""

    path = "/api/conferences/{slug:str}/cfp"
    tags = ["Call for proposals"]
    dependencies = {
        "speaker": Provide(provide_speaker),
        "speakers_proposal": Provide(provide_speakers_proposal),
        "owned_proposal": Provide(provide_owned_proposal),
    }

    # --- the call ---

    @get("", opt=PUBLIC, operation_id="getCall")
    async def get_call(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> CallOut:
        """The call: when it is open, which tracks (committees), session types and durations it takes, its criteria."""
        return await calls.call_out(db_session, call=await calls.get_call(db_session, conference=conference))

    @put("", opt=ORGANIZERS, operation_id="setCall")
    async def set_call(
        self, db_session: NamedDependency[AsyncSession], principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference], data: JSONBody[CallIn],
    ) -> CallOut:  # fmt: skip
        """Opens or changes the call; naive times are the conference's wall clock."""
        call = await calls.set_call(db_session, conference=conference, data=data, actor=principal)
        return await calls.call_out(db_session, call=call)

    # --- speakers, by their signed link ---

    @post("/sign-in", opt=PUBLIC, operation_id="requestSpeakerLink", status_code=202)
    async def request_link(
        self, settings: NamedDependency[Settings], db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference], data: JSONBody[SignInIn],
    ) -> dict[str, str]:  # fmt: skip
        """Mails a speaker's link to this address; the answer is the same whether it was known or not."""
        await submissions.request_sign_in(db_session, settings=settings, conference=conference, email=data.email)
        return {"detail": "If the call is open, a link is on its way to this address."}

    @get(SPEAKER, opt=PUBLIC, operation_id="getSpeakerProfile")
    async def get_profile(self, speaker: NamedDependency[ProposalSpeaker]) -> ProfileOut:
        """The speaker's profile: name, title, city or organization, bio, availability."""
        return submissions.profile_out(speaker)

    @put(SPEAKER, opt=PUBLIC, operation_id="updateSpeakerProfile")
    async def update_profile(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference],
        speaker: NamedDependency[ProposalSpeaker], data: JSONBody[ProfileIn],
    ) -> ProfileOut:  # fmt: skip
        """Replaces the speaker's profile; availability windows lie within the conference's days."""
        await submissions.update_profile(db_session, conference=conference, speaker=speaker, data=data)
        return submissions.profile_out(speaker)

    @put(SPEAKER + "/photo", opt=PUBLIC, operation_id="uploadSpeakerPhoto")
    async def upload_photo(
        self, settings: NamedDependency[Settings], db_session: NamedDependency[AsyncSession],
        speaker: NamedDependency[ProposalSpeaker], body: RawBody,
    ) -> ProfileOut:  # fmt: skip
        """The speaker's photo as the request body: a JPEG, PNG or WebP image of at most 2 MB, checked by its bytes."""
        await submissions.set_photo(db_session, settings=settings, speaker=speaker, content=body)
        return submissions.profile_out(speaker)

    @get(SPEAKER + "/photo", opt=PUBLIC, operation_id="getSpeakerPhoto", media_type="image/jpeg")
    async def get_photo(
        self, settings: NamedDependency[Settings], speaker: NamedDependency[ProposalSpeaker]
    ) -> Response[bytes]:
        """The speaker's stored photo."""
        found = await submissions.photo_of(settings, speaker)
        if found is None:
            raise ProposalNotFound("This speaker has no photo yet.")
        data, media_type = found
        return Response(data, media_type=media_type, headers={"X-Content-Type-Options": "nosniff"})

    @get(SPEAKER + "/proposals", opt=PUBLIC, operation_id="listSpeakerProposals")
    async def list_mine(
        self, db_session: NamedDependency[AsyncSession], speaker: NamedDependency[ProposalSpeaker]
    ) -> list[ProposalOut]:
        """The speaker's proposals and those they co-present, with released decisions."""
        return await submissions.proposals_out(
            db_session, await submissions.proposals_of_speaker(db_session, speaker=speaker)
        )

    @post(SPEAKER + "/proposals", opt=PUBLIC, operation_id="createProposal", status_code=201)
    async def create(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference],
        speaker: NamedDependency[ProposalSpeaker], data: JSONBody[ProposalIn],
    ) -> ProposalOut:  # fmt: skip
        """Drafts a proposal while the call is open."""
        proposal = await submissions.create_proposal(db_session, conference=conference, speaker=speaker, data=data)
        return await _one_out(db_session, proposal)

    @get(SPEAKERS_PROPOSAL, opt=PUBLIC, operation_id="getSpeakerProposal")
    async def get_one(
        self, db_session: NamedDependency[AsyncSession], speakers_proposal: NamedDependency[Proposal]
    ) -> ProposalOut:
        """One of the speaker's proposals."""
        return await _one_out(db_session, speakers_proposal)

    @put(SPEAKERS_PROPOSAL, opt=PUBLIC, operation_id="updateProposal")
    async def update(
        self, db_session: NamedDependency[AsyncSession], owned_proposal: NamedDependency[Proposal],
        data: JSONBody[ProposalIn],
    ) -> ProposalOut:  # fmt: skip
        """Replaces a draft's or submitted proposal's answers, until the deadline."""
        await submissions.update_proposal(db_session, proposal=owned_proposal, data=data)
        return await _one_out(db_session, owned_proposal)

    @post(SPEAKERS_PROPOSAL + "/submit", opt=PUBLIC, operation_id="submitProposal", status_code=200)
    async def submit(
        self, db_session: NamedDependency[AsyncSession], speaker: NamedDependency[ProposalSpeaker],
        owned_proposal: NamedDependency[Proposal],
    ) -> ProposalOut:  # fmt: skip
        """Puts the proposal before its committee; it needs an abstract and the speaker's name."""
        await submissions.submit_proposal(db_session, proposal=owned_proposal, speaker=speaker)
        return await _one_out(db_session, owned_proposal)

    @post(SPEAKERS_PROPOSAL + "/withdraw", opt=PUBLIC, operation_id="withdrawProposal", status_code=200)
    async def withdraw(
        self, db_session: NamedDependency[AsyncSession], owned_proposal: NamedDependency[Proposal]
    ) -> ProposalOut:
        """Takes the proposal back."""
        await submissions.withdraw_proposal(db_session, proposal=owned_proposal)
        return await _one_out(db_session, owned_proposal)

    @post(SPEAKERS_PROPOSAL + "/co-speakers", opt=PUBLIC, operation_id="inviteCoSpeaker", status_code=200)
    async def invite(
        self, settings: NamedDependency[Settings], db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference], speaker: NamedDependency[ProposalSpeaker],
        owned_proposal: NamedDependency[Proposal], data: JSONBody[CoSpeakerIn],
    ) -> ProposalOut:  # fmt: skip
        """Names a co-speaker by e-mail; they get their own link to fill in their profile."""
        await submissions.invite_co_speaker(
            db_session, settings=settings, conference=conference, proposal=owned_proposal, owner=speaker,
            email=data.email,
        )  # fmt: skip
        return await _one_out(db_session, owned_proposal)

    async def _answer(
        self, db: AsyncSession, settings: Settings, conference: Conference, speaker: ProposalSpeaker,
        proposal: Proposal, answer: SpeakerResponse,
    ) -> Confirmation:  # fmt: skip
        done = await decisions.answer_offer(
            db, settings=settings, conference=conference, speaker=speaker, proposal=proposal, answer=answer
        )
        return Confirmation(proposal_id=done.id, response=done.response, session_id=done.session_id)

    @post(SPEAKERS_PROPOSAL + "/confirm", opt=PUBLIC, operation_id="confirmProposal", status_code=200)
    async def confirm(
        self, settings: NamedDependency[Settings], db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference], speaker: NamedDependency[ProposalSpeaker],
        owned_proposal: NamedDependency[Proposal],
    ) -> Confirmation:  # fmt: skip
        """Confirms an accepted session: it joins the program, its speakers get comp registrations and badges."""
        return await self._answer(db_session, settings, conference, speaker, owned_proposal, SpeakerResponse.CONFIRMED)

    @post(SPEAKERS_PROPOSAL + "/decline", opt=PUBLIC, operation_id="declineProposal", status_code=200)
    async def decline(
        self, settings: NamedDependency[Settings], db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference], speaker: NamedDependency[ProposalSpeaker],
        owned_proposal: NamedDependency[Proposal],
    ) -> Confirmation:  # fmt: skip
        """Declines an accepted session."""
        return await self._answer(db_session, settings, conference, speaker, owned_proposal, SpeakerResponse.DECLINED)

    # --- reviewers ---

    @get("/review", opt=REVIEWERS, operation_id="getReviewQueue")
    async def review_queue(
        self, db_session: NamedDependency[AsyncSession], actor: NamedDependency[Principal],
        conference: NamedDependency[Conference], limit: Limit = 50, offset: Offset = 0,
    ) -> ReviewQueueOut:  # fmt: skip
        """One page of the submitted proposals of the caller's tracks in the order they came, without conflicts of
        interest; anonymous if the call is. ``total`` counts them on every page."""
        call = await calls.get_call(db_session, conference=conference)
        queue = await reviews.review_queue(db_session, call=call, user_id=actor.user_id, limit=limit, offset=offset)
        return ReviewQueueOut(
            criteria=call.criteria, anonymous=call.anonymous, proposals=queue.items, total=queue.total, limit=limit,
            offset=offset, left_out_for_conflicts=queue.conflicts,
        )  # fmt: skip

    @get("/review.csv", opt=REVIEWERS, operation_id="exportReviewQueue", media_type=CSV)
    async def review_export(
        self, db_session: NamedDependency[AsyncSession], actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Response[str]:  # fmt: skip
        """The caller's whole review queue with their scores, as CSV."""
        call = await calls.get_call(db_session, conference=conference)
        queue = await reviews.review_queue(db_session, call=call, user_id=actor.user_id)
        return download(
            await reviews.review_queue_csv(queue), media_type=CSV, filename=f"{conference.slug}-reviews.csv"
        )

    @put("/review/{proposal_id:uuid}", opt=REVIEWERS, operation_id="reviewProposal")
    async def review(
        self, db_session: NamedDependency[AsyncSession], actor: NamedDependency[Principal],
        conference: NamedDependency[Conference], proposal_id: FromPath[uuid.UUID], data: JSONBody[ReviewIn],
    ) -> dict[str, Any]:  # fmt: skip
        """Scores a proposal on each criterion (1-5) with a comment; sending again replaces the caller's review."""
        done = await reviews.review_proposal(
            db_session, conference=conference, user_id=actor.user_id, proposal_id=proposal_id, data=data
        )
        return {"proposal_id": str(done.proposal_id), "scores": done.scores, "total": done.total}

    # --- organizers ---

    @get("/proposals", opt=ORGANIZERS, operation_id="listProposals")
    async def list_proposals(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference],
        track_id: FromQuery[uuid.UUID | None] = None, proposal_state: StateFilter = None,
        decision: FromQuery[Decision | None] = None, sort: FromQuery[Sort] = "average",
    ) -> list[ProposalRow]:  # fmt: skip
        """Every proposal (drafts aside) with its speaker, reviews' average and spread, and decision."""
        shown = reviews.ProposalFilter(track_id=track_id, state=proposal_state, decision=decision, sort=sort)
        return await reviews.proposal_rows(db_session, conference=conference, shown=shown)

    @get("/proposals.csv", opt=ORGANIZERS, operation_id="exportProposals", media_type=CSV)
    async def export_proposals(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> Response[str]:
        """Every proposal with its scores, as CSV."""
        rows = await reviews.proposal_rows(db_session, conference=conference)
        return download(await reviews.proposals_csv(rows), media_type=CSV, filename=f"{conference.slug}-proposals.csv")

    @get("/proposals/{proposal_id:uuid}", opt=ORGANIZERS, operation_id="getProposal")
    async def get_proposal(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        proposal_id: FromPath[uuid.UUID],
    ) -> ProposalDetail:
        """A proposal with every review, signed by its reviewer."""
        return await reviews.proposal_detail(db_session, conference=conference, proposal_id=proposal_id)

    @post("/proposals/{proposal_id:uuid}/decision", opt=ORGANIZERS, operation_id="decideProposal", status_code=200)
    async def decide(
        self, db_session: NamedDependency[AsyncSession], principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference], proposal_id: FromPath[uuid.UUID], data: JSONBody[DecisionIn],
    ) -> ProposalRow:  # fmt: skip
        """Accepts, rejects or waitlists a proposal; the speaker hears of it when decisions are released."""
        await decisions.decide(db_session, conference=conference, proposal_id=proposal_id, data=data, actor=principal)
        return (await reviews.proposal_rows(db_session, conference=conference, ids=[proposal_id]))[0]

    @post("/release", opt=ORGANIZERS, operation_id="releaseDecisions", status_code=200)
    async def release(
        self, settings: NamedDependency[Settings], db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None], conference: NamedDependency[Conference],
    ) -> ReleaseOut:  # fmt: skip
        """Mails every decided, not yet told speaker in one batch: a confirm link for the accepted."""
        return await decisions.release_decisions(db_session, settings=settings, conference=conference, actor=principal)

    @get("/reviewers", opt=ORGANIZERS, operation_id="listReviewers")
    async def list_reviewers(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> list[ReviewerOut]:
        """The committees' reviewers, one row per track each reviews."""
        return [reviews.reviewer_out(r, u) for r, u in await reviews.list_reviewers(db_session, conference=conference)]

    @put("/reviewers", opt=ORGANIZERS, operation_id="assignReviewer")
    async def assign_reviewer(
        self, db_session: NamedDependency[AsyncSession], principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference], data: JSONBody[ReviewerIn],
    ) -> ReviewerOut:  # fmt: skip
        """Makes a user a reviewer of a track, with the city their conflicts of interest are drawn from."""
        reviewer = await reviews.assign_reviewer(db_session, conference=conference, data=data, actor=principal)
        user = await reviews.reviewer_user(db_session, reviewer=reviewer)
        return reviews.reviewer_out(reviewer, user)

    @delete("/reviewers/{reviewer_id:uuid}", opt=ORGANIZERS, operation_id="unseatReviewer")
    async def unseat_reviewer(
        self, db_session: NamedDependency[AsyncSession], principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference], reviewer_id: FromPath[uuid.UUID],
    ) -> None:  # fmt: skip
        """Takes a reviewer off a track's committee; the reviews they wrote stay with the proposals."""
        await reviews.unseat_reviewer(db_session, conference=conference, reviewer_id=reviewer_id, actor=principal)
