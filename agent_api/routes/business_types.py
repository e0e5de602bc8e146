"""Business types, the IVR menu: key, names, order and each one's prompt. A change is offered
on the next call: the PBX has the new queue and prompt, the IVR reads the menu anew."""
from typing import Annotated

from fastapi import APIRouter, Depends, Request, UploadFile
from pydantic import BaseModel, Field

from agent_api.auth import CurrentUser, require
from agent_api.deps import Session, get_engine
from models import BusinessType, Role
from services import business_types
from services.business_types import MenuItem
from services.principal import Principal

Administrator = Annotated[Principal, Depends(require(Role.ADMIN))]

router = APIRouter(prefix="/business-types", tags=["administration"])


class BusinessTypeIn(BaseModel):
    code: str = Field(min_length=2, max_length=32, description="e.g. recycling")
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = Field(min_length=1, max_length=100)
    menu_key: str = Field(min_length=1, max_length=1, description="the keypad digit")
    sort_order: int | None = Field(None, ge=0, le=1000, description="none: last")


class BusinessTypeChange(BaseModel):
    name_zh: str | None = Field(None, min_length=1, max_length=100)
    name_en: str | None = Field(None, min_length=1, max_length=100)
    menu_key: str | None = Field(None, min_length=1, max_length=1)
    sort_order: int | None = Field(None, ge=0, le=1000)


class BusinessTypeOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    menu_key: str
    sort_order: int
    uploaded_prompts: list[str] = Field(description="languages said by an uploaded recording; "
                                                    "the others are spoken from the name")


def _out(bt: BusinessType) -> BusinessTypeOut:
    return BusinessTypeOut(**business_types.view(bt))


@router.get("", response_model=list[BusinessTypeOut])
async def list_business_types(session: Session, user: CurrentUser) -> list[BusinessTypeOut]:
    return [_out(bt) for bt in await business_types.listed(session)]


@router.post("", response_model=BusinessTypeOut, status_code=201)
async def create_business_type(body: BusinessTypeIn, session: Session, admin: Administrator,
                               request: Request) -> BusinessTypeOut:
    engine = get_engine(request)
    bt = await business_types.create(session, admin, MenuItem(**body.model_dump()),
                                     engine.settings.menu_prompts_dir)
    await engine.organisation_changed()
    return _out(bt)


@router.patch("/{code}", response_model=BusinessTypeOut)
async def change_business_type(code: str, body: BusinessTypeChange, session: Session,
                               admin: Administrator, request: Request) -> BusinessTypeOut:
    engine = get_engine(request)
    change = MenuItem(**body.model_dump(), given=frozenset(body.model_fields_set))
    bt = await business_types.change(session, admin, code, change,
                                     engine.settings.menu_prompts_dir)
    await engine.organisation_changed()
    return _out(bt)


@router.delete("/{code}", status_code=204)
async def delete_business_type(code: str, session: Session, admin: Administrator,
                               request: Request) -> None:
    engine = get_engine(request)
    await business_types.delete(session, admin, code, engine.settings.menu_prompts_dir)
    await engine.organisation_changed()


@router.put("/{code}/prompts/{lang}", response_model=BusinessTypeOut)
async def upload_prompt(code: str, lang: str, file: UploadFile, session: Session,
                        admin: Administrator, request: Request) -> BusinessTypeOut:
    """A WAV or MP3 recording (at most 60 s), converted for the PBX."""
    engine = get_engine(request)
    data = await file.read(business_types.MAX_PROMPT_BYTES + 1)
    bt = await business_types.upload_prompt(session, admin, code, lang, file.filename or "", data,
                                            engine.settings.menu_prompts_dir)
    await engine.organisation_changed()
    return _out(bt)


@router.delete("/{code}/prompts/{lang}", response_model=BusinessTypeOut)
async def speak_prompt(code: str, lang: str, session: Session, admin: Administrator,
                       request: Request) -> BusinessTypeOut:
    """The recording is dropped: the menu speaks the type's name again."""
    engine = get_engine(request)
    bt = await business_types.speak_prompt(session, admin, code, lang,
                                           engine.settings.menu_prompts_dir)
    await engine.organisation_changed()
    return _out(bt)
