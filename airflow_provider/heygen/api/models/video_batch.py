"""Video batches: many POST /v3/videos bodies in one POST /v3/videos/batches, and the batch HeyGen returns."""

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import Field

from airflow_provider.heygen.api.errors import InvalidRequestError
from airflow_provider.heygen.api.models._base import HttpUrlStr, RequestModel, ResponseModel
from airflow_provider.heygen.api.models.video import VideoCreateRequest

__all__ = [
    "BATCH_MAX_VIDEOS",
    "VideoBatch",
    "VideoBatchCreated",
    "VideoBatchItem",
    "VideoBatchRequest",
    "VideoRequests",
    "parse_video_requests",
]

#: Videos one POST /v3/videos/batches takes at most.
BATCH_MAX_VIDEOS = 100


class VideoBatchRequest(RequestModel):
    """Body of POST /v3/videos/batches: 1-100 video requests, each validated like POST /v3/videos."""

    videos: Annotated[list[VideoCreateRequest], Field(min_length=1, max_length=BATCH_MAX_VIDEOS)]
    """The videos, each a POST /v3/videos body picked by ``type``; errors name ``videos[3].script``."""
    title: str | None = None
    """Name of the batch in the HeyGen app."""
    callback_url: HttpUrlStr | None = None
    """URL HeyGen POSTs to once, when every item is terminal."""


class VideoRequests(RequestModel):
    """Any number of POST /v3/videos bodies (one task's videos), each validated; sent in batches of 100."""

    videos: Annotated[list[VideoCreateRequest], Field(min_length=1)]
    """The videos, each picked by ``type``; errors name ``videos[3].script``."""

    def batches(self, title: str | None = None) -> list[VideoBatchRequest]:
        """The batch requests carrying these videos in order, ``BATCH_MAX_VIDEOS`` at most each."""
        chunks = [self.videos[i : i + BATCH_MAX_VIDEOS] for i in range(0, len(self.videos), BATCH_MAX_VIDEOS)]
        named = title is not None and len(chunks) > 1
        return [
            VideoBatchRequest(videos=chunk, title=f"{title} ({n + 1}/{len(chunks)})" if named else title)
            for n, chunk in enumerate(chunks)
        ]


def parse_video_requests(requests: Sequence[Mapping[str, Any] | RequestModel]) -> VideoRequests:
    """Validate a list of POST /v3/videos bodies (models or dicts); each problem names its ``videos[i]``."""
    if isinstance(requests, (str, bytes, Mapping)) or not isinstance(requests, Sequence):
        raise InvalidRequestError(
            [f"videos: expected a list of video requests, got {type(requests).__name__}"], model="VideoRequests"
        )
    bodies = [request.to_body() if isinstance(request, RequestModel) else request for request in requests]
    return VideoRequests.parse({"videos": bodies})


# --- responses -------------------------------------------------------------------------------------


class VideoBatchCreated(ResponseModel):
    """Answer of POST /v3/videos/batches (202): the batch id to poll."""

    batch_id: str
    """Id to poll with GET /v3/videos/batches/{batch_id}."""
    status: str | None = None
    """Initial batch status, when HeyGen sends one."""


class VideoBatchItem(ResponseModel):
    """One video of a batch."""

    item_index: int
    """Position in the submitted ``videos`` list (0-based)."""
    video_id: str | None = None
    """The video's id; None until HeyGen has created it (a ``queued`` item)."""
    status: str
    """``queued``, ``processing``, ``completed`` or ``failed`` (unknown values are kept)."""
    error: dict[str, Any] | None = None
    """Failure details when failed (``code``, ``message``)."""


class VideoBatch(ResponseModel):
    """A batch (GET /v3/videos/batches/{batch_id}); ``items`` holds every page's items once read in full."""

    batch_id: str
    status: str
    """``processing``, ``completed`` or ``failed``."""
    total_items: int
    counts_by_status: dict[str, int] = Field(default_factory=dict)
    created_at: int | None = None
    title: str | None = None
    items: list[VideoBatchItem] = Field(default_factory=list)
    has_more: bool = False
    next_token: str | None = None
