"""Runtime configuration, read once at import time from the environment and `.env`."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _load_dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.is_file():
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if line and not line.startswith("#") and "=" in line:
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip().strip('"')
    return values


_DOTENV = _load_dotenv(PROJECT_DIR / ".env")


def _get(name: str, default: str = "") -> str:
    return os.environ.get(name) or _DOTENV.get(name) or default


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    identity_database_url: str
    clinical_database_url: str
    jwt_secret: str
    token_minutes: int
    llm_base_url: str
    llm_api_key: str
    demo_password: str
    allowed_origins: tuple[str, ...]


def load() -> Settings:
    data_dir = Path(_get("CLINIC_DATA_DIR", str(PROJECT_DIR / "var")))
    return Settings(
        data_dir=data_dir,
        identity_database_url=_get("CLINIC_IDENTITY_DATABASE_URL", f"sqlite:///{data_dir / 'identity.db'}"),
        clinical_database_url=_get("CLINIC_CLINICAL_DATABASE_URL", f"sqlite:///{data_dir / 'clinical.db'}"),
        jwt_secret=_get("CLINIC_JWT_SECRET") or secrets.token_urlsafe(48),
        token_minutes=int(_get("CLINIC_TOKEN_MINUTES", "30")),
        llm_base_url=_get("CLINIC_LLM_BASE_URL", "https://api.openai.com/v1"),
        llm_api_key=_get("OPENAI_API_KEY"),
        demo_password=_get("CLINIC_DEMO_PASSWORD") or secrets.token_urlsafe(16),
        allowed_origins=tuple(o for o in _get("CLINIC_ALLOWED_ORIGINS", "https://portal.northwind.example").split(",") if o),
    )


settings = load()
