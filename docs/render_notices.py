"""Draw the demo's Slack notices as a picture for the README (``docs/slack-notices.png``).

Runs ``agenda-watch demo`` into a temporary data dir (no Slack: the notices land in its outbox
as the exact ``chat.postMessage`` payloads), lays each payload's Block Kit blocks out as Slack
shows them (mrkdwn bold and links, context footers) in a small HTML page, and screenshots the
page with headless Chromium::

    python docs/render_notices.py [--chromium /usr/bin/chromium] [--out docs/slack-notices.png]

The page is a likeness of Slack's layout, not Slack itself; the text in it is the payload's.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LINK_RE = re.compile(r"<(https?://[^|>]+)\|([^>]*)>")
BOLD_RE = re.compile(r"\*([^*\n]+)\*")
CODE_RE = re.compile(r"`([^`\n]+)`")

PAGE = """<!doctype html><meta charset="utf-8"><style>
body {{ font: 15px/1.46 Lato, "Helvetica Neue", Arial, sans-serif; color: #1d1c1d;
       background: #fff; margin: 0; padding: 16px 20px; width: 860px; }}
.msg {{ display: flex; gap: 8px; padding: 8px 0 14px; border-bottom: 1px solid #eee; }}
.avatar {{ flex: none; width: 36px; height: 36px; border-radius: 6px; background: #2f6f4f; color: #fff;
          font-weight: 700; display: flex; align-items: center; justify-content: center; }}
.name {{ font-weight: 900; }} .app {{ font-size: 10px; background: #ddd; border-radius: 2px;
        padding: 1px 3px; margin-left: 4px; color: #555; }} .time {{ color: #616061;
        font-size: 12px; margin-left: 6px; }}
.section {{ margin: 4px 0; white-space: pre-wrap; }} a {{ color: #1264a3; text-decoration: none; }}
.context {{ color: #616061; font-size: 12px; margin-top: 6px; }}
code {{ font: 12px Monaco, Menlo, monospace; color: #e01e5a; background: #f6f6f6;
        border: 1px solid #ddd; border-radius: 3px; padding: 0 3px; }}
</style>
{messages}
"""


def mrkdwn(text: str) -> str:
    """Slack mrkdwn (already entity-escaped by the renderer) as HTML."""
    out = LINK_RE.sub(lambda m: f'<a href="{m.group(1)}">{m.group(2)}</a>', text)
    out = BOLD_RE.sub(r"<b>\1</b>", out)
    return CODE_RE.sub(r"<code>\1</code>", out)


def block_html(block: dict[str, Any]) -> str:
    """One section or context block."""
    if block["type"] == "section":
        return f'<div class="section">{mrkdwn(block["text"]["text"])}</div>'
    texts = [html.escape(e.get("text", "")) for e in block.get("elements", [])]
    return f'<div class="context">{" ".join(texts)}</div>'


def message_html(payload: dict[str, Any]) -> str:
    """A message as Slack lays it out: the app's name, then its blocks."""
    blocks = "".join(block_html(b) for b in payload["blocks"])
    return (
        '<div class="msg"><div class="avatar">aw</div><div><span class="name">agenda-watch'
        '</span><span class="app">APP</span><span class="time">8:02 AM</span>'
        f"{blocks}</div></div>"
    )


def demo_payloads(data_dir: Path) -> list[dict[str, Any]]:
    """Run the demo into `data_dir`; its outbox messages, oldest meeting first."""
    subprocess.run(
        [sys.executable, "-m", "pipeline", "--data-dir", str(data_dir), "demo"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    files = sorted((data_dir / "outbox").glob("*.json"), key=lambda p: "oak_park" not in p.name)
    return [json.loads(p.read_text(encoding="utf-8")) for p in files]


def main() -> int:
    """Render the demo's notices to `--out`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "slack-notices.png")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "notices.html"
        messages = "".join(message_html(p) for p in demo_payloads(Path(tmp) / "data"))
        page.write_text(PAGE.format(messages=messages), encoding="utf-8")
        subprocess.run(
            [
                args.chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--screenshot={args.out.resolve()}",
                "--window-size=900,760",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
        )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
