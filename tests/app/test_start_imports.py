"""What a start loads before its first answer: neither the web server's libraries (it
serves once the first answers are out, see bot.app.runner) nor anything of a vendor none
of whose variables is set. Both were a good part of a cold start."""

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
enabled = sorted(build_enabled(VendorDeps(tokens=None)).enabled)
web = sorted({m.split('.')[0] for m in sys.modules} & {'uvicorn', 'starlette'})
vendor_modules = sorted({m.split('.')[2] for m in sys.modules
                         if m.startswith('bot.vendors.') and m.split('.')[2] in %r})
print(enabled, web, vendor_modules)
""" % (sorted(VENDORS),)


async def test_a_start_loads_no_web_framework_and_no_unconfigured_vendor(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.upper().startswith(tuple(env_prefix(name) for name in VENDORS))}
    env.update(UFIRST_ORGANIZATION_ID="org", UFIRST_CLIENT_EMAIL="bot@example.com",
               UFIRST_PRIVATE_KEY_ID="key")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHECK, cwd=tmp_path, env=env,  # cwd: no developer's .env
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert out.decode().split("\n")[0] == "['ufirst'] [] ['ufirst']"
