"""Request signing, against the document's own example."""

from __future__ import annotations

import httpx

from bot.vendors.filevirtuelle.signing import SignatureAuth, signature, signed_uri

DOC_SECRET = "7632da295ad6d11a44a75390a0b8fb12ffd24"
DOC_KEY = "bfa3e803-217e-4f00"
DOC_URI = "/api/public/v2/prequalification/5693afe606c3c0b5bc68eaf0"
DOC_TIMESTAMP = 1471254540335
DOC_SIGNATURE = "5542b8b446f2203978b7d0549140cbf168de81f5"


def test_golden_vector_from_the_document() -> None:
    assert signature(DOC_SECRET, "GET", DOC_URI, DOC_TIMESTAMP) == DOC_SIGNATURE
    assert signature(DOC_SECRET, "get", DOC_URI, str(DOC_TIMESTAMP)) == DOC_SIGNATURE


def test_auth_reproduces_the_documented_headers() -> None:
    auth = SignatureAuth(DOC_KEY, DOC_SECRET, clock=lambda: DOC_TIMESTAMP / 1000)
    request = httpx.Request("GET", f"https://fv.filevirtuelle.com{DOC_URI}")
    signed = next(auth.auth_flow(request))
    assert signed.headers["Authorization"] == f"{DOC_KEY}:{DOC_SIGNATURE}"
    assert signed.headers["X-FV-TIMESTAMP"] == str(DOC_TIMESTAMP)
    assert signed.headers["Content-Type"] == "application/json"


async def test_signature_covers_the_final_url_with_its_query() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    auth = SignatureAuth("k", "s", clock=lambda: 1_700_000_000.0)
    async with httpx.AsyncClient(base_url="http://proxy/fv/api/public/v2",
                                 transport=httpx.MockTransport(answer)) as client:
        await client.get("/customers/_id,ticket?search=ticket%3D1%7Cticket!%3D2", auth=auth)
        await client.delete("/customer/abc", auth=auth)
    uri = "/api/public/v2/customers/_id,ticket?search=ticket%3D1%7Cticket!%3D2"
    assert seen[0].url.raw_path.decode().endswith(uri)
    assert seen[0].headers["Authorization"] == "k:" + signature("s", "GET", uri, 1_700_000_000_000)
    assert seen[1].headers["Authorization"] == "k:" + signature(
        "s", "DELETE", "/api/public/v2/customer/abc", 1_700_000_000_000)
    assert all(r.headers["Content-Type"] == "application/json" for r in seen)


def test_signed_uri_starts_at_the_api_root() -> None:
    assert signed_uri(b"/prefix/api/public/v2/api_info") == "/api/public/v2/api_info"
    assert signed_uri("/api/public/v2/customers?search=a%3Db") == (
        "/api/public/v2/customers?search=a%3Db")
    assert signed_uri("/elsewhere") == "/elsewhere"
