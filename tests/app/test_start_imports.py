"""What a start loads before its first answer: neither the web server's libraries (it
serves once the first answers are out, see bot.app.runner), nor anything of a vendor none
of whose variables is set, nor a configured vendor's adapter. All were a good part of a
cold start."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.vendors import VENDORS
from bot.vendors.registry import env_prefix

CHECK = """
import sys
import bot.app.runner
from bot.vendors import VendorDeps, build_enabled
vendors = build_enabled(VendorDeps(tokens=None))
web = sorted({m.split('.')[0] for m in sys.modules} & {'uvicorn', 'starlette'})
loaded = sorted(m for m in sys.modules if m.startswith('bot.vendors.') and m.split('.')[2] in %r)
print(list(vendors.names), web, loaded)
print(sorted(vendors.enabled), 'bot.vendors.ufirst.adapter' in sys.modules)
""" % (sorted(VENDORS),)


async def test_a_start_loads_no_web_framework_no_unconfigured_vendor_and_no_adapter(
        tmp_path: Path) -> None:
    """The configured vendor's settings are read (and checked) at start; its adapter is
    imported when features first ask for vendors."""
    env = {k: v for k, v in os.environ.items()
           if not k.upper().startswith(tuple(env_prefix(name) for name in VENDORS))}
    env.update(UFIRST_ORGANIZATION_ID="org", UFIRST_CLIENT_EMAIL="bot@example.com",
               UFIRST_PRIVATE_KEY_ID="key")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHECK, cwd=tmp_path, env=env,  # cwd: no developer's .env
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    at_start, asked = out.decode().splitlines()
    assert at_start == "['ufirst'] [] ['bot.vendors.ufirst', 'bot.vendors.ufirst.config']"
    assert asked == "['ufirst'] True"
