"""Imports every part's models so that Base.metadata knows every table."""

from __future__ import annotations

from sqlalchemy import MetaData

from cxm.core import changes as _changes  # noqa: F401
from cxm.core import jobs as _jobs  # noqa: F401
from cxm.core import models as _core_models  # noqa: F401
from cxm.core.db import Base
from cxm.feedback import models as _feedback_models  # noqa: F401
from cxm.ingest import models as _ingest_models  # noqa: F401
from cxm.surveys import models as _survey_models  # noqa: F401
from cxm.text import models as _text_models  # noqa: F401
from cxm.text import theme_models as _theme_models  # noqa: F401


def metadata() -> MetaData:
    return Base.metadata
