"""The consultant's brand on the HTML report and who the report is for.

``report_options(loaded, audience)`` turns a loaded config's ``branding:`` and
``report:`` sections into renderer options, checking what can only be checked
against the disk (the logo file, the template folder) so that a wrong path is a
ConfigError naming the field, never a failure half-way through rendering:

- ``audience``: "client" or "consultant" (``--audience`` wins over the config);
- ``branding``: a :class:`Brand` with the logo embedded as a ``data:`` URI.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from kpi_advisor.problems import ConfigError, Problem

# The built-in HTML templates, which a consultant's folder (``branding.templates``) replaces by file name.
TEMPLATES = Path(__file__).resolve().parent / "templates"

AUDIENCES = ("client", "consultant")
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp", ".svg": "image/svg+xml"}
LOGO_MAX_BYTES = 1_000_000
# The first bytes each logo type starts with (SVG is text: checked for an <svg element instead).
MAGIC = {".png": (b"\x89PNG",), ".jpg": (b"\xff\xd8",), ".jpeg": (b"\xff\xd8",), ".gif": (b"GIF8",), ".webp": (b"RIFF",)}
COLOUR_VARS = {"primary": "--brand", "secondary": "--brand-2", "accent": "--accent"}


@dataclass(frozen=True)
class Brand:
    """An agency's name, logo and colours, checked, for the HTML report's cover."""

    agency: str | None = None
    logo: str | None = None  # a data: URI
    colours: dict[str, str] = field(default_factory=dict)  # CSS variable -> checked hex colour
    footer: str | None = None
    templates: Path | None = None

    def css(self) -> str:
        """CSS overriding the house colours, or ''. The colours were checked to be hex codes."""
        if not self.colours:
            return ""
        return ":root { " + " ".join(f"{name}: {value};" for name, value in self.colours.items()) + " }"


def check_audience(audience: str | None, path: str = "--audience") -> str | None:
    if audience is None or audience in AUDIENCES:
        return audience
    raise ConfigError(Problem(f"unknown audience '{audience}'; known: {', '.join(AUDIENCES)}", path=path))


def resolve_branding(branding: Any, base_dir: Path | None = None) -> Brand:
    """A config's ``branding`` (the model or a mapping) with the logo read and the paths checked."""
    if branding is None:
        return Brand()
    if isinstance(branding, Brand):
        return branding
    if not isinstance(branding, Mapping):
        branding = branding.model_dump()
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    logo = branding.get("logo")
    templates = branding.get("templates")
    colours = {COLOUR_VARS[key]: value for key, value in (branding.get("colours") or {}).items() if key in COLOUR_VARS}
    return Brand(
        agency=branding.get("agency"),
        logo=_logo(base / logo, logo) if logo else None,
        colours=colours,
        footer=branding.get("footer"),
        templates=_templates(base / templates, templates) if templates else None,
    )


def _logo(path: Path, given: str) -> str:
    where = "branding.logo"
    suffix = path.suffix.lower()
    if suffix not in LOGO_TYPES:
        raise ConfigError(Problem(f"logo '{given}' is not an image the report can embed; expected one of {', '.join(LOGO_TYPES)}", path=where))
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ConfigError(Problem(f"logo '{given}' is not a file", path=where))
        if size > LOGO_MAX_BYTES:
            raise ConfigError(Problem(f"logo '{given}' is {size:,} bytes; at most {LOGO_MAX_BYTES:,} (1 MB) is embedded", path=where))
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(Problem(f"logo file '{given}' not found (looked at {path})", path=where)) from None
    except OSError as exc:
        raise ConfigError(Problem(f"logo file '{given}' cannot be read: {exc.strerror or exc}", path=where)) from None
    if suffix == ".svg":
        head = data[:4096].lower()
        if b"<svg" not in head:
            raise ConfigError(Problem(f"logo '{given}' is not an SVG image (no <svg> element)", path=where))
    elif not data.startswith(MAGIC[suffix]):
        raise ConfigError(Problem(f"logo '{given}' is not a {suffix[1:].upper()} image (its content does not match its name)", path=where))
    return f"data:{LOGO_TYPES[suffix]};base64,{base64.b64encode(data).decode('ascii')}"


def template_files(folder: Path) -> list[Path]:
    """The files of a consultant's template folder that the report reads: those named as a
    built-in template (report.html, style.css, ...), which they replace. Not every file of the
    folder (which may be the config's own, with earlier reports beside it)."""
    return [folder / entry.name for entry in sorted(TEMPLATES.iterdir()) if (folder / entry.name).is_file()]


def _templates(path: Path, given: str) -> Path:
    if not path.is_dir():
        raise ConfigError(Problem(f"template folder '{given}' not found (looked at {path})", path="branding.templates"))
    return path


def report_options(loaded: Any, audience: str | None = None) -> dict[str, Any]:
    """Renderer options from a loaded config: its audience (unless ``audience`` is given) and its brand."""
    config = getattr(loaded, "config", loaded)
    settings = getattr(config, "report", None)
    chosen = check_audience(audience) or (settings.audience if settings is not None else None)
    options: dict[str, Any] = {"branding": resolve_branding(getattr(config, "branding", None), getattr(loaded, "base_dir", None))}
    if chosen:
        options["audience"] = chosen
    return options
