"""An original's lineage: three related copies, grouped into variants and linked by
derivation, with who saw each first."""

from __future__ import annotations

from PIL import Image, ImageOps

from tests.api.conftest import Keys, Server
from tests.conftest import ORIGINALS
from tests.images import encode


def test_lineage_of_three_related_copies(server: Server, keys: Keys) -> None:
    dune = Image.open(ORIGINALS / "Dune.jpg").convert("RGB")
    resized = dune.resize((dune.width * 6 // 10, dune.height * 6 // 10))
    mirrored = ImageOps.mirror(resized)
    w, h = mirrored.size
    cropped = mirrored.crop((w // 5, h // 5, w * 4 // 5, h * 4 // 5))
    copies = [
        ("resized.jpg", encode(resized, quality=85), keys.check),
        ("resized_again.webp", encode(resized, "WEBP", quality=70), keys.check),  # same variant, other bytes
        ("mirrored.jpg", encode(mirrored, quality=80), None),
        ("mirrored_cropped.jpg", encode(cropped, quality=75), keys.check),
    ]
    ids = []
    for name, data, key in copies:
        with server.client(key or keys.admin) as http:
            answer = http.post("/v1/checks", files={"file": (name, data, "application/octet-stream")})
            assert answer.status_code == 201, answer.text
            report = answer.json()
            assert report["verdict"] == "copy", (name, report["reasons"])
            ids.append(report["id"])
            reference = report["matches"][0]["reference"]["id"]

    with server.client(keys.check) as http:
        lineage = http.get(f"/v1/references/{reference}/lineage").json()
        assert http.get("/v1/references/99999/lineage").status_code == 404

    assert [c["check_id"] for c in lineage["checks"]] == ids  # earliest first
    variants = [c["variant"] for c in lineage["checks"]]
    assert variants[0] == variants[1] and len(set(variants)) == 3
    assert [v["checks"] for v in lineage["variants"]] == [2, 1, 1]
    assert [v["first_seen_by"] for v in lineage["variants"]] == ["desk", "ops", "desk"]
    assert lineage["variants"][1]["variant"]["mirrored"] and "mirrored" in lineage["variants"][1]["description"]
    assert "crop showing 36% of the frame" in lineage["variants"][2]["description"]
    derived = [c["derived_from"] for c in lineage["checks"]]
    assert derived[0] is None and derived[1] is None  # the same shape is not a derivation
    assert derived[2] in ids[:2]  # mirrored from the resized copy
    assert derived[3] == ids[2]  # the crop from the mirrored copy, not from the unmirrored one

    with server.client(keys.check) as http:  # an editor says the mirrored copy is not this original
        assert http.post(f"/v1/checks/{ids[2]}/decision", json={"decision": "rejected"}).status_code == 201
        after = http.get(f"/v1/references/{reference}/lineage").json()
    assert [c["check_id"] for c in after["checks"]] == [ids[0], ids[1], ids[3]]
    assert after["checks"][2]["derived_from"] in ids[:2]
