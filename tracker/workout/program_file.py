"""The keys of a program file, their types and bounds: what is checked when a program is
loaded, and what its JSON Schema (schemas/program.schema.json) tells an editor."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

Kind = Literal["reps", "balance", "hold"]
Sides = Literal["alternate", "each", "painful", "good", "both"]
FirstSide = Literal["painful", "good"]
SensorPlace = Literal["working", "any"]
Position = Literal["lying", "lift", "band"]

Count = Annotated[int, Meta(ge=1)]
AtLeastZero = Annotated[float, Meta(ge=0)]
AboveZero = Annotated[float, Meta(gt=0)]
Band = tuple[AtLeastZero, AtLeastZero]  # [low, high]
NAME_PATTERN = r"^[\w-]+$"  # letters, digits, '-' and '_'


class StepTable(Struct, forbid_unknown_fields=True, kw_only=True):
    """One exercise ([[step]]): what to do, how often, on which side, against which
    targets. Times in seconds, angles in degrees of thigh inclination (0 = standing)."""

    name: str
    kind: Kind
    sets: Count | UnsetType = UNSET
    reps: Count | UnsetType = UNSET
    sides: Sides | UnsetType = UNSET
    first_side: FirstSide | UnsetType = UNSET
    sensor: SensorPlace | UnsetType = UNSET
    rest_s: AtLeastZero | UnsetType = UNSET
    cue: str | UnsetType = UNSET
    judges: str | UnsetType = UNSET
    not_judged: str | UnsetType = UNSET
    # reps
    descent_s: AboveZero | UnsetType = UNSET
    depth_deg: Annotated[float, Meta(gt=0, le=180)] | UnsetType = UNSET
    depth_range_deg: Band | UnsetType = UNSET
    wobble_max_deg: AboveZero | UnsetType = UNSET
    set_timeout_s: AtLeastZero | UnsetType = UNSET
    # balance and hold
    hold_s: AboveZero | UnsetType = UNSET
    hold_max_s: AboveZero | UnsetType = UNSET
    position: Position | UnsetType = UNSET
    position_deg: Band | UnsetType = UNSET
    lift_deg: AboveZero | UnsetType = UNSET
    still_deg_s: AboveZero | UnsetType = UNSET
    break_s: AtLeastZero | UnsetType = UNSET


class ProgramFile(Struct, forbid_unknown_fields=True, kw_only=True):
    """A workout program: exercises with sets, reps, sides, targets, holds and rests."""

    name: Annotated[str, Meta(extra_json_schema={"pattern": NAME_PATTERN})] | UnsetType = UNSET
    title: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    source: str | UnsetType = UNSET
    step: Annotated[
        list[StepTable],
        Meta(min_length=1, extra={"problem": "a program needs at least one [[step]]"}),
    ]
