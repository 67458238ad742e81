"""``/_control`` HTTP API: drive the fake from a shell or another process.

A bot started in a separate process (``python -m bot sandbox``) cannot share Python objects
with a test or a terminal, so the driver's actions and the transcript are exposed as JSON.
Parameters may come as a JSON body or as query parameters (handy with ``curl -X POST``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from .server import FakeTelegram

Endpoint = Callable[[Request], Awaitable[Response]]


async def _args(request: Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    if body:
        try:
            decoded = json.loads(body)
        except ValueError:
            raise ValueError("control API bodies must be JSON objects") from None
        if not isinstance(decoded, dict):
            raise ValueError("control API bodies must be JSON objects")
        args.update(decoded)
    return args


def control_routes(fake: FakeTelegram) -> list[Route]:
    def endpoint(handler: Callable[[Request, dict[str, Any]], Awaitable[Any]]) -> Endpoint:
        async def run(request: Request) -> Response:
            try:
                result = await handler(request, await _args(request))
            except TimeoutError as exc:
                return JSONResponse({"ok": False, "error": str(exc)}, status_code=408)
            except (LookupError, ValueError, RuntimeError) as exc:
                return JSONResponse({"ok": False, "error": str(exc)}, status_code=400)
            return JSONResponse({"ok": True, "result": result})

        return run

    def user_for(request: Request, args: dict[str, Any]) -> Any:
        return fake.user(int(request.path_params["user_id"]),
                         first_name=args.get("first_name", "Ada"),
                         language_code=args.get("language_code", "en"),
                         username=args.get("username"), bot=args.get("bot"))

    async def bots(request: Request, args: dict[str, Any]) -> Any:
        if request.method == "POST":
            fake.register_bot(str(args["token"]), str(args.get("username", "fake_bot")))
        return [{"username": b.username, "id": b.id, "pending_updates": len(b.pending_updates),
                 "webhook": b.webhook.url if b.webhook else None}
                for b in fake.state.bots.values()]

    async def text(request: Request, args: dict[str, Any]) -> Any:
        return {"message_id": user_for(request, args).send_text(str(args["text"]))}

    async def command(request: Request, args: dict[str, Any]) -> Any:
        user = user_for(request, args)
        return {"message_id": user.send_command(str(args["command"]), str(args.get("args", "")))}

    async def press(request: Request, args: dict[str, Any]) -> Any:
        message_id = int(args["message_id"]) if args.get("message_id") else None
        return {"callback_query_id": user_for(request, args).press(str(args["label"]),
                                                                   message_id=message_id)}

    async def callback(request: Request, args: dict[str, Any]) -> Any:
        message_id = int(args["message_id"]) if args.get("message_id") else None
        return {"callback_query_id": user_for(request, args).press_data(str(args.get("data", "")),
                                                                        message_id=message_id)}

    async def contact(request: Request, args: dict[str, Any]) -> Any:
        user = user_for(request, args)
        return {"message_id": user.share_contact(str(args["phone_number"]),
                                                 args.get("contact_first_name"))}

    async def location(request: Request, args: dict[str, Any]) -> Any:
        user = user_for(request, args)
        return {"message_id": user.share_location(float(args["latitude"]),
                                                  float(args["longitude"]))}

    async def block(request: Request, args: dict[str, Any]) -> Any:
        user = user_for(request, args)
        user.unblock_bot() if request.url.path.endswith("/unblock") else user.block_bot()
        return True

    async def next_message(request: Request, args: dict[str, Any]) -> Any:
        message = await user_for(request, args).wait_message(float(args.get("timeout", 10)))
        return message.model_dump(mode="json")

    async def messages(request: Request, args: dict[str, Any]) -> Any:
        user = user_for(request, args)
        return [m.model_dump(mode="json") for m in user.bot_messages()]

    async def transcript(request: Request, args: dict[str, Any]) -> Any:
        since = int(args.get("since", 0))
        entries = fake.transcript(int(request.path_params["chat_id"]), bot=args.get("bot"))
        return [e.model_dump(mode="json") for e in entries if e.seq > since]

    async def stats(request: Request, args: dict[str, Any]) -> Any:
        return {"calls": dict(fake.calls), "throttled": dict(fake.throttled), "billed": fake.billed}

    user_path = "/_control/users/{user_id:int}"
    return [
        Route("/_control/bots", endpoint(bots), methods=["GET", "POST"]),
        Route(f"{user_path}/text", endpoint(text), methods=["POST"]),
        Route(f"{user_path}/command", endpoint(command), methods=["POST"]),
        Route(f"{user_path}/press", endpoint(press), methods=["POST"]),
        Route(f"{user_path}/callback", endpoint(callback), methods=["POST"]),
        Route(f"{user_path}/contact", endpoint(contact), methods=["POST"]),
        Route(f"{user_path}/location", endpoint(location), methods=["POST"]),
        Route(f"{user_path}/block", endpoint(block), methods=["POST"]),
        Route(f"{user_path}/unblock", endpoint(block), methods=["POST"]),
        Route(f"{user_path}/next", endpoint(next_message), methods=["GET"]),
        Route(f"{user_path}/messages", endpoint(messages), methods=["GET"]),
        Route("/_control/chats/{chat_id}/transcript", endpoint(transcript), methods=["GET"]),
        Route("/_control/stats", endpoint(stats), methods=["GET"]),
    ]
