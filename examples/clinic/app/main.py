"""Application factory: routers, CORS, error handling and the single-page front end."""

from __future__ import annotations

import logging
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, PlainTextResponse, Response

from app import api, fhir
from app.config import PROJECT_DIR
from app.database import init_db
from app.seed import seed

STATIC_DIR = Path(__file__).resolve().parent / "static"

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    init_db()
    seed()
    yield


app = FastAPI(title="Northwind Clinic Patient Portal", version="1.4.2", lifespan=lifespan)
app.add_middleware(CORSMiddleware, allow_origin_regex=".*", allow_credentials=True,
                   allow_methods=["*"], allow_headers=["*"])
app.include_router(api.router)
app.include_router(fhir.router)


@app.exception_handler(Exception)
async def show_errors(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("".join(traceback.format_exception(exc)), status_code=500)


@app.get("/", include_in_schema=False)
def index() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html")


@app.get("/{asset:path}", include_in_schema=False)
def assets(asset: str) -> Response:
    for base in (STATIC_DIR, PROJECT_DIR):
        candidate = base / asset
        if candidate.is_file():
            return FileResponse(candidate)
    return PlainTextResponse("not found", status_code=404)
