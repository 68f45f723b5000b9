"""The incident register of emergency takedowns (附件4 第八条): never published.

An incident says what was published that should not have been, when it was found
and by whom, the remedy and to whom it was reported. It is kept in the office's
private register (the repository of ``portal applications``), one YAML file per
incident under ``incidents/<year>/``, never in the site repository: the site holds
only the takedown record, whose fingerprints repeat nothing of the leak.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline import yamlfile
from pipeline.errors import PortalError

INCIDENTS_DIR = "incidents"
DEFAULT_REMEDY = (
    "网页、搜索索引、站点地图及附件中的相关内容已于下一次构建时全部撤下；"
    "引用该内容的其他稿件暂停发布，删去相关内容并重新审批后方可发布。"
)
_HEADER = "# 泄密（误发）事件登记（附件4 第八条）：内部登记，不得发布。\n"


@dataclass(frozen=True)
class Incident:
    """One incident: what leaked, found when and by whom, remedy, reported to whom."""

    post: str
    what: str
    found_at: dt.datetime
    found_by: str
    remedy: str
    reported_to: str
    takedown: str
    registered_by: str

    def path(self) -> str:
        """``incidents/<year>/<found date>-<post name>.yml``, register-relative."""
        name = PurePosixPath(self.post).stem
        return (
            f"{INCIDENTS_DIR}/{self.found_at.year}/"
            f"{self.found_at.date().isoformat()}-{name}.yml"
        )

    def dump(self) -> bytes:
        """The incident file's bytes."""
        document = {
            "kind": "incident",
            "post": self.post,
            "what": self.what,
            "found_at": self.found_at.isoformat(),
            "found_by": self.found_by,
            "remedy": self.remedy,
            "reported_to": self.reported_to,
            "takedown": self.takedown,
            "registered_by": self.registered_by,
        }
        return yamlfile.dump(document, header=_HEADER).encode("utf-8")


def check_complete(incident: Incident) -> list[PortalError]:
    """What the office must still say before the incident can be registered."""
    missing = [
        (option, label)
        for option, label, value in (
            ("--what", "发现了什么（不要复述泄露的内容本身）", incident.what),
            ("--found-by", "由谁发现", incident.found_by),
            ("--reported-to", "已向谁报告", incident.reported_to),
        )
        if not value.strip()
    ]
    return [
        PortalError(
            f"紧急撤下须登记事件：缺少“{label}”。",
            field=option,
            hint=f"请加上 {option} …（附件4 第八条）。",
        )
        for option, label in missing
    ]


def write_incident(register: Path, incident: Incident) -> str:
    """Write ``incident`` atomically into the register; its register-relative path.

    A second incident for the same post on the same day gets a numbered name.
    """
    relative = incident.path()
    number = 1
    while (register / relative).exists():
        number += 1
        relative = incident.path().removesuffix(".yml") + f"-{number}.yml"
    yamlfile.write_atomic(register / relative, incident.dump())
    return relative
