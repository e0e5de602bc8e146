"""Business types as an administrator keeps them: the IVR menu (key, Chinese and English names,
order) and each one's prompt, spoken from its names or an uploaded recording.

A business type's own prompt is a file <lang>/bt-<code>.wav in the menu prompts folder, shown to
the PBX over the built catalogue. A file is built into a staging folder first and moved into place
only once the change is committed: a refused change leaves neither a row nor a file.
"""
import asyncio
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.flow import LANGUAGE_KEY, OPERATOR, SELF_SERVICE
from ivr.prompts import LANGUAGES
from ivr.speech import PromptBuildError, convert, prompt_path, speak
from models import AgentSkill, BusinessType, QueueSettings, Skill
from services import audit
from services.errors import Conflict, NotFound, Refused, Violation
from services.principal import Principal

CODE = re.compile(r"[a-z][a-z0-9_]{1,31}")
BUILT_IN = (OPERATOR, SELF_SERVICE)  # the IVR itself routes these: never deleted
MAX_PROMPT_BYTES = 5 << 20
RECORDING_KINDS = (".wav", ".mp3")


@dataclass(slots=True)
class MenuItem:
    """Fields of a create or change; `given` names those a change sets."""
    code: str | None = None
    name_zh: str | None = None
    name_en: str | None = None
    menu_key: str | None = None
    sort_order: int | None = None
    given: frozenset[str] = field(default_factory=frozenset)


def spoken_text(bt: BusinessType, lang: str) -> str:
    """What the menu says before "press <key>", as the catalogue's prompts say it."""
    return bt.name_zh if lang == "zh" else f"For {bt.name_en},"


def view(bt: BusinessType) -> dict[str, Any]:
    return {"code": bt.code, "name_zh": bt.name_zh, "name_en": bt.name_en,
            "menu_key": bt.menu_key, "sort_order": bt.sort_order,
            "uploaded_prompts": sorted(bt.uploaded_prompts or [])}


async def listed(session: AsyncSession) -> list[BusinessType]:
    return list(await session.scalars(select(BusinessType).order_by(BusinessType.sort_order,
                                                                     BusinessType.code)))


async def get(session: AsyncSession, code: str) -> BusinessType:
    bt = await session.scalar(select(BusinessType).where(BusinessType.code == code))
    if bt is None:
        raise NotFound(f"no business type {code!r}")
    return bt


async def create(session: AsyncSession, actor: Principal, new: MenuItem,
                 prompts_dir: Path) -> BusinessType:
    assert new.code and new.name_zh and new.name_en and new.menu_key is not None
    if not CODE.fullmatch(new.code):
        raise Refused([Violation("business_type_code", ("body", "code"),
                                 "a code is 2 to 32 lower-case letters, digits or _, "
                                 "starting with a letter")])
    if await session.scalar(select(BusinessType.id).where(BusinessType.code == new.code)):
        raise Conflict([Violation("business_type_taken", ("body", "code"),
                                  f"business type {new.code!r} exists")])
    await _free_key(session, new.menu_key, None)
    order = new.sort_order if new.sort_order is not None else 1 + (await session.scalar(
        select(func.max(BusinessType.sort_order))) or 0)
    bt = BusinessType(code=new.code, name_zh=new.name_zh, name_en=new.name_en,
                      menu_key=new.menu_key, sort_order=order, uploaded_prompts=[])
    # Agents are given the business type as a skill (Mandarin, the default language).
    session.add_all([bt, Skill(code=f"{new.code}-zh", name=new.name_zh, business_type=bt,
                               language="zh")])
    with staged(prompts_dir) as stage:
        await _speak(stage, bt, LANGUAGES)
        await session.flush()
        audit.record(session, actor, "create", "business_type", bt.code, after=view(bt))
        await session.commit()
        stage.publish()
    return bt


async def change(session: AsyncSession, actor: Principal, code: str, ch: MenuItem,
                 prompts_dir: Path) -> BusinessType:
    bt = await get(session, code)
    before = view(bt)
    if "menu_key" in ch.given and ch.menu_key is not None and ch.menu_key != bt.menu_key:
        await _free_key(session, ch.menu_key, bt.id)
        bt.menu_key = ch.menu_key
    for name in ("name_zh", "name_en", "sort_order"):
        if name in ch.given and getattr(ch, name) is not None:
            setattr(bt, name, getattr(ch, name))
    renamed = [lang for lang, name in (("zh", "name_zh"), ("en", "name_en"))
               if before[name] != getattr(bt, name) and lang not in bt.uploaded_prompts]
    with staged(prompts_dir) as stage:
        await _speak(stage, bt, renamed)  # a renamed type is said by its new name
        await session.flush()
        audit.record(session, actor, "update", "business_type", code, before=before,
                     after=view(bt))
        await session.commit()
        stage.publish()
    return bt


async def delete(session: AsyncSession, actor: Principal, code: str, prompts_dir: Path) -> None:
    bt = await get(session, code)
    if code in BUILT_IN:
        raise Conflict([Violation("business_type_built_in", ("path", "code"),
                                  f"the IVR itself routes {code!r}: it cannot be deleted")])
    skilled = await session.scalar(
        select(func.count()).select_from(AgentSkill).join(Skill, Skill.id == AgentSkill.skill_id)
        .where(Skill.business_type_id == bt.id))
    if skilled:
        raise Conflict([Violation("business_type_in_use", ("path", "code"),
                                  f"{skilled} agent skill(s) are of {code!r}: take them away "
                                  "first")])
    for row in await session.scalars(select(QueueSettings).where(
            QueueSettings.business_type_id == bt.id)):
        await session.delete(row)
    for skill in await session.scalars(select(Skill).where(Skill.business_type_id == bt.id)):
        await session.delete(skill)
    audit.record(session, actor, "delete", "business_type", code, before=view(bt))
    await session.delete(bt)
    await session.commit()
    for lang in LANGUAGES:
        prompt_path(prompts_dir, lang, f"bt-{code}").unlink(missing_ok=True)


async def upload_prompt(session: AsyncSession, actor: Principal, code: str, lang: str,
                        file_name: str, recording: bytes, prompts_dir: Path) -> BusinessType:
    """The menu says this type by the recording (WAV or MP3) in `lang` from the next call."""
    bt = await get(session, code)
    _known_language(lang)
    kind = Path(file_name).suffix.lower()
    if kind not in RECORDING_KINDS:
        raise Refused([Violation("prompt_format", ("body", "file"),
                                 f"a prompt is a {' or '.join(RECORDING_KINDS)} file")])
    if len(recording) > MAX_PROMPT_BYTES:
        raise Refused([Violation("prompt_size", ("body", "file"),
                                 f"a prompt is at most {MAX_PROMPT_BYTES >> 20} MiB")])
    with staged(prompts_dir) as stage:
        source = stage.folder / f"upload{kind}"  # sox reads an MP3 by its name
        source.write_bytes(recording)
        try:
            await asyncio.to_thread(convert, stage.folder, lang, f"bt-{code}", source)
        except PromptBuildError as exc:
            raise Refused([Violation("prompt_not_audio", ("body", "file"), str(exc))]) from None
        source.unlink()
        before = view(bt)
        bt.uploaded_prompts = sorted({*bt.uploaded_prompts, lang})
        audit.record(session, actor, "upload_prompt", "business_type", code, before=before,
                     after={**view(bt), "prompt": lang})
        await session.commit()
        stage.publish()
    return bt


async def speak_prompt(session: AsyncSession, actor: Principal, code: str, lang: str,
                       prompts_dir: Path) -> BusinessType:
    """Back from a recording to the prompt spoken from the type's name."""
    bt = await get(session, code)
    _known_language(lang)
    with staged(prompts_dir) as stage:
        await _speak(stage, bt, (lang,))
        before = view(bt)
        bt.uploaded_prompts = sorted(set(bt.uploaded_prompts) - {lang})
        audit.record(session, actor, "speak_prompt", "business_type", code, before=before,
                     after=view(bt))
        await session.commit()
        stage.publish()
    return bt


class _Stage:
    def __init__(self, folder: Path, target: Path) -> None:
        self.folder, self.target = folder, target

    def publish(self) -> None:
        """Every file built moves into the prompts folder (each move is atomic)."""
        for built in sorted(self.folder.glob("*/*.wav")):
            final = self.target / built.relative_to(self.folder)
            final.parent.mkdir(parents=True, exist_ok=True)
            built.replace(final)


@contextmanager
def staged(prompts_dir: Path) -> Iterator[_Stage]:
    prompts_dir.mkdir(parents=True, exist_ok=True)
    # beside the folder (the same file system: the moves are renames), not in it: the PBX and
    # the IVR read the folder meanwhile
    folder = Path(tempfile.mkdtemp(prefix=f".{prompts_dir.name}-", dir=prompts_dir.parent))
    try:
        yield _Stage(folder, prompts_dir)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _speak(stage: _Stage, bt: BusinessType, languages: Iterable[str]) -> None:
    for lang in languages:
        try:
            await asyncio.to_thread(speak, stage.folder, lang, f"bt-{bt.code}",
                                    spoken_text(bt, lang))
        except PromptBuildError as exc:
            raise Refused([Violation("prompt_not_built", ("body", f"name_{lang}"),
                                     str(exc))]) from None


async def _free_key(session: AsyncSession, key: str, own_id: int | None) -> None:
    if len(key) != 1 or not key.isdigit() or not key.isascii():
        raise Refused([Violation("menu_key", ("body", "menu_key"), "a menu key is one digit")])
    if key == LANGUAGE_KEY:
        raise Refused([Violation("menu_key_reserved", ("body", "menu_key"),
                                 f"key {key} switches the menu's language")])
    holder = await session.scalar(select(BusinessType).where(BusinessType.menu_key == key))
    if holder is not None and holder.id != own_id:
        raise Conflict([Violation("menu_key_taken", ("body", "menu_key"),
                                  f"key {key} is taken by {holder.code!r}")])


def _known_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise NotFound(f"no language {lang!r}; the menu speaks {', '.join(LANGUAGES)}")
