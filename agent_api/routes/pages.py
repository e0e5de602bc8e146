"""The web pages, served from agent_api/web: every asset is local, nothing from a CDN. The
libraries (Vue, Element Plus, Swagger UI, ReDoc) come from node_modules, which `bin/setup`
installs from package-lock.json; only the files named in VENDOR are served from there."""
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

WEB = Path(__file__).resolve().parent.parent / "web"
NODE_MODULES = WEB / "node_modules"
VENDOR = {
    "vue.js": "vue/dist/vue.global.prod.js",
    "element-plus.js": "element-plus/dist/index.full.min.js",
    "element-plus.css": "element-plus/dist/index.css",
    "element-plus-zh-cn.js": "element-plus/dist/locale/zh-cn.min.js",
    "element-plus-en.js": "element-plus/dist/locale/en.min.js",
    "swagger-ui.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
    "favicon.png": "swagger-ui-dist/favicon-32x32.png",
    "redoc.js": "redoc/bundles/redoc.standalone.js",
    "echarts.js": "echarts/dist/echarts.min.js",
}
PAGES = {"console": "console.html", "wallboard": "wallboard.html", "ops": "ops.html",
         "admin": "admin.html", "reports": "reports.html", "supervisor": "supervisor.html"}
# /reports is the reports' API too: its route serves the page to a browser's navigation.
SERVED_BY_THEIR_API = {"reports"}
NO_CACHE = {"Cache-Control": "no-cache"}
# The documents' bundles would fetch a logo from their makers' sites: the browser is told to
# fetch nothing but from here.
LOCAL_ONLY = {"Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; "
              "style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; "
              "font-src 'self' data:"}

router = APIRouter(include_in_schema=False)
static = StaticFiles(directory=WEB)


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/console")


@router.get("/vendor/{name}")
async def vendor(name: str) -> FileResponse:
    if name not in VENDOR:
        raise HTTPException(404, f"no library file {name!r}")
    path = NODE_MODULES / VENDOR[name]
    if not path.is_file():
        raise HTTPException(404, f"{VENDOR[name]} is not installed: run bin/setup (npm ci)")
    return FileResponse(path, headers={"Cache-Control": "max-age=86400"})


def local_only(page: HTMLResponse) -> HTMLResponse:
    page.headers.update(LOCAL_ONLY)
    return page


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return local_only(get_swagger_ui_html(
        openapi_url="/openapi.json", title="hotline API", swagger_js_url="/vendor/swagger-ui.js",
        swagger_css_url="/vendor/swagger-ui.css", swagger_favicon_url="/vendor/favicon.png",
        # no badge fetched from the internet; the tags folded, with a filter: 130 operations
        # drawn at once took a busy machine over 30 s, and nobody reads them all at once
        swagger_ui_parameters={"validatorUrl": None, "docExpansion": "none", "filter": True}))


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    page = get_redoc_html(openapi_url="/openapi.json", title="hotline API",
                          redoc_js_url="/vendor/redoc.js", redoc_favicon_url="/vendor/favicon.png",
                          with_google_fonts=False)
    hide_makers_link = '<style>a[href*="redocly.com"] { display: none; }</style></head>'
    return local_only(HTMLResponse(bytes(page.body).decode().replace("</head>", hide_makers_link)))


def page(name: str):
    async def serve() -> FileResponse:
        return FileResponse(WEB / PAGES[name], headers=NO_CACHE)
    return serve


for _name in PAGES.keys() - SERVED_BY_THEIR_API:
    router.add_api_route(f"/{_name}", page(_name), methods=["GET"])
