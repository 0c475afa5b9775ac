"""The keys of a protocol file, their types and bounds: what is checked when a protocol is
loaded, and what its JSON Schema (schemas/protocol.schema.json) tells an editor."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

Test = Literal["stance", "five_times_sts", "chair_stand_30s"]
Score = Literal["best", "mean", "first"]
Progression = Literal["all", "until_failed"]
Leg = Literal["left", "right", "sensor", "any"]
Eyes = Literal["open", "closed"]
Start = Literal["lift_off", "cue"]

NAME_PATTERN = r"^[\w-]+$"  # letters, digits, '-' and '_'


class ConditionTable(Struct, forbid_unknown_fields=True, kw_only=True):
    """One condition of the test ([[condition]]): a leg, eyes open or closed, a stance."""

    name: str
    leg: Leg | UnsetType = UNSET
    eyes: Eyes | UnsetType = UNSET
    start: Start | UnsetType = UNSET  # stance tests: timed from lift-off or the start cue
    pass_s: Annotated[float, Meta(gt=0, le=3600)] | UnsetType = UNSET
    norm: str | UnsetType = UNSET
    instructions: str | UnsetType = UNSET


class ProtocolFile(Struct, forbid_unknown_fields=True, kw_only=True):
    """A standard test: what is timed, how many trials, the limits. Times in seconds."""

    name: Annotated[str, Meta(extra_json_schema={"pattern": NAME_PATTERN})] | UnsetType = UNSET
    title: str | UnsetType = UNSET
    version: Annotated[int, Meta(gt=0, le=1_000_000)] = 1
    test: Test
    description: str | UnsetType = UNSET
    source: str | UnsetType = UNSET
    countdown_s: Annotated[float, Meta(ge=0, le=60)] | UnsetType = UNSET
    practice_trials: Annotated[int, Meta(ge=0, le=10)] | UnsetType = UNSET
    trials: Annotated[int, Meta(ge=1, le=20)] | UnsetType = UNSET
    score: Score | UnsetType = UNSET
    max_s: Annotated[float, Meta(gt=0, le=600)] | UnsetType = UNSET
    tail_s: Annotated[float, Meta(ge=0, le=30)] | UnsetType = UNSET
    stands: Annotated[int, Meta(ge=1, le=50)] | UnsetType = UNSET
    window_s: Annotated[float, Meta(gt=0, le=600)] | UnsetType = UNSET
    progression: Progression | UnsetType = UNSET
    norm: str | UnsetType = UNSET
    condition: Annotated[
        list[ConditionTable],
        Meta(min_length=1, extra={"problem": "a protocol needs at least one [[condition]]"}),
    ]
