"""The web pages, served from agent_api/web: every asset is local, nothing from a CDN."""
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

WEB = Path(__file__).resolve().parent.parent / "web"
router = APIRouter(include_in_schema=False)
static = StaticFiles(directory=WEB)


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/console")


@router.get("/console")
async def console() -> FileResponse:
    return FileResponse(WEB / "console.html", headers={"Cache-Control": "no-cache"})


@router.get("/wallboard")
async def wallboard() -> FileResponse:
    return FileResponse(WEB / "wallboard.html", headers={"Cache-Control": "no-cache"})


@router.get("/ops")
async def operations() -> FileResponse:
    return FileResponse(WEB / "ops.html", headers={"Cache-Control": "no-cache"})
