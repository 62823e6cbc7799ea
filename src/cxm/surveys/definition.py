"""The survey definition format: pages of typed questions, logic, hidden fields, translations."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Texts = dict[str, str]
QuestionId = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]{0,63}$")]
SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
PAIRED_SIDES: dict[str, tuple[str, str]] = {
    "expectation_perception": ("expectation", "perception"),
    "ideal_accepted": ("ideal", "accepted"),
}
# Hidden fields the response row itself carries; any other name is kept as a hidden answer.
LINKED_HIDDEN = ("customer", "order_id", "store", "channel", "touchpoint", "event")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Condition(Strict):
    """A test on an earlier answer: ``{"question": "nps", "op": "le", "value": 6}``."""

    question: QuestionId
    op: Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "answered", "not_answered"]
    value: int | float | str | list[int | float | str] | None = None

    @model_validator(mode="after")
    def _value_fits(self) -> Condition:
        if self.op in ("answered", "not_answered"):
            return self
        if self.value is None:
            raise ValueError(f"operator {self.op!r} needs a value")
        if self.op == "in" and not isinstance(self.value, list):
            raise ValueError("operator 'in' needs a list of values")
        return self


class Option(Strict):
    value: Annotated[str, Field(min_length=1, max_length=64)]
    text: Texts


class Attribute(Strict):
    # Attribute names are what gap reports show ("delivery speed"), so spaces are allowed.
    id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^.\[\]]+$")]
    text: Texts | None = None


class QuestionBase(Strict):
    id: QuestionId
    text: Texts | None = None
    required: bool = False
    visible_if: list[Condition] = Field(default_factory=list)


class ScaleQuestion(QuestionBase):
    type: Literal["nps", "csat", "ces"]
    scale: int | None = None  # accepted for older definitions; must equal the type's own

    @model_validator(mode="after")
    def _fixed_scale(self) -> ScaleQuestion:
        low, high = SCALES[self.type]
        if self.scale is not None and self.scale not in (high, high - low + 1):
            raise ValueError(f"a {self.type} question runs {low}-{high}")
        return self


class RatingQuestion(QuestionBase):
    type: Literal["rating"]
    min: int = 1
    max: int = 5
    low_label: Texts | None = None
    high_label: Texts | None = None

    @model_validator(mode="after")
    def _range(self) -> RatingQuestion:
        if not 0 <= self.min < self.max <= 10:
            raise ValueError("a rating runs between 0 and 10 with min below max")
        return self


class ChoiceQuestion(QuestionBase):
    type: Literal["single", "multiple"]
    options: Annotated[list[Option], Field(min_length=2)]
    randomize: bool = False


class TextQuestion(QuestionBase):
    type: Literal["text"]
    multiline: bool = True
    max_length: Annotated[int, Field(ge=1, le=10_000)] = 2_000


class MatrixQuestion(QuestionBase):
    type: Literal["matrix"]
    rows: Annotated[list[Option], Field(min_length=1)]
    columns: Annotated[list[Option], Field(min_length=2)]


class PairedQuestion(QuestionBase):
    """Two answers per attribute on one scale: expectation/perception or ideal/accepted."""

    type: Literal["expectation_perception", "ideal_accepted"]
    attributes: Annotated[list[Attribute], Field(min_length=1)]
    scale: Annotated[int, Field(ge=3, le=10)] = 7
    sides: dict[str, Texts]

    @model_validator(mode="before")
    @classmethod
    def _older_shapes(cls, data: Any) -> Any:
        # Older definitions list attributes by name and put the side labels under "text".
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if isinstance(data.get("attributes"), list):
            data["attributes"] = [
                {"id": a} if isinstance(a, str) else a for a in data["attributes"]
            ]
        text = data.get("text")
        names = PAIRED_SIDES.get(str(data.get("type")), ())
        if "sides" not in data and isinstance(text, dict) and set(text) == set(names):
            data["sides"] = text
            data.pop("text")
        return data

    @model_validator(mode="after")
    def _both_sides(self) -> PairedQuestion:
        wanted = set(PAIRED_SIDES[self.type])
        if set(self.sides) != wanted:
            raise ValueError(f"sides must be exactly {sorted(wanted)}")
        return self


Question = Annotated[
    ScaleQuestion
    | RatingQuestion
    | ChoiceQuestion
    | TextQuestion
    | MatrixQuestion
    | PairedQuestion,
    Field(discriminator="type"),
]
QUESTION_TYPES = (
    "nps",
    "csat",
    "ces",
    "rating",
    "single",
    "multiple",
    "text",
    "matrix",
    "expectation_perception",
    "ideal_accepted",
)


class Jump(Strict):
    """Skip logic: after this page, when every condition holds, go to page ``to`` (or end)."""

    when: Annotated[list[Condition], Field(min_length=1)]
    to: str


class Page(Strict):
    id: QuestionId
    title: Texts | None = None
    questions: Annotated[list[Question], Field(min_length=1)]
    visible_if: list[Condition] = Field(default_factory=list)
    jumps: list[Jump] = Field(default_factory=list)


class Definition(Strict):
    languages: Annotated[list[Annotated[str, Field(pattern=r"^[a-z]{2}$")]], Field(min_length=1)]
    title: Texts | None = None
    intro: Texts | None = None
    thanks: Texts | None = None
    hidden: list[QuestionId] = Field(default_factory=list)
    pages: Annotated[list[Page], Field(min_length=1)]

    @model_validator(mode="before")
    @classmethod
    def _single_page(cls, data: Any) -> Any:
        # A definition with bare "questions" is one page (the demo's older surveys).
        if isinstance(data, dict) and "questions" in data and "pages" not in data:
            data = dict(data)
            data["pages"] = [{"id": "p1", "questions": data.pop("questions")}]
        return data

    def questions(self) -> list[tuple[int, Any]]:
        """Every question with the index of its page, in order."""
        return [(i, q) for i, page in enumerate(self.pages) for q in page.questions]

    def question(self, qid: str) -> Any:
        for _, q in self.questions():
            if q.id == qid:
                return q
        raise KeyError(qid)

    def page_index(self, page_id: str) -> int:
        for i, page in enumerate(self.pages):
            if page.id == page_id:
                return i
        raise KeyError(page_id)
