"""fetch: cache, mirror, download (local HTTP server on 127.0.0.1), checksums, atomic writes."""

from __future__ import annotations

import hashlib
import http.server
import threading

import pytest

from commissioning_atlas._errors import SourceError
from commissioning_atlas.sources.catalogue import SourceFile, SourceGroup, load_catalogue
from commissioning_atlas.sources.fetch import fetch, fetch_file

PAYLOAD = b'{"type": "FeatureCollection", "features": []}\n' * 200


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[bytes, int | None]] = {}

    def do_GET(self):  # noqa: N802 - http.server API
        body, claimed = self.routes.get(self.path, (None, None))
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(claimed if claimed is not None else len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    _Handler.routes = {
        "/good.json": (PAYLOAD, None),
        "/corrupt.json": (PAYLOAD.replace(b"Feature", b"Featurf", 1), None),
        "/truncated.json": (PAYLOAD[:500], None),
    }
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def _sf(url: str, path: str = "x/good.json") -> SourceFile:
    return SourceFile(repository="test/repo", commit="0" * 40, path=path, url=url,
                      sha256=hashlib.sha256(PAYLOAD).hexdigest(), bytes=len(PAYLOAD))


def test_download_verifies_and_caches(server, tmp_path):
    sf = _sf(f"{server}/good.json")
    out = fetch_file(sf, tmp_path, progress=False)
    assert out.read_bytes() == PAYLOAD
    assert out == tmp_path / "upstream/test/repo/x/good.json"
    # a second fetch is served from the cache: the server no longer has the file
    _Handler.routes.pop("/good.json")
    assert fetch_file(sf, tmp_path, progress=False).read_bytes() == PAYLOAD


@pytest.mark.parametrize("route,needle", [("/corrupt.json", "checksum mismatch"), ("/truncated.json", "truncated")])
def test_bad_download_leaves_nothing(server, tmp_path, route, needle):
    sf = _sf(f"{server}{route}")
    with pytest.raises(SourceError, match=needle) as exc:
        fetch_file(sf, tmp_path, progress=False)
    assert route in str(exc.value)  # the message names the URL
    assert not any(p.is_file() for p in tmp_path.rglob("*")), "no partial file may remain"


def test_missing_everywhere(server, tmp_path):
    sf = _sf(f"{server}/absent.json")
    with pytest.raises(SourceError, match="cannot download"):
        fetch_file(sf, tmp_path, mirror=tmp_path / "mirror", progress=False)


def test_mirror_used_and_checked(tmp_path):
    mirror = tmp_path / "mirror"
    sf = _sf("http://127.0.0.1:9/never")  # port 9: nothing listens; the mirror must be used
    src = mirror / sf.relpath
    src.parent.mkdir(parents=True)
    src.write_bytes(PAYLOAD)
    cache = tmp_path / "cache"
    assert fetch_file(sf, cache, mirror=mirror, progress=False).read_bytes() == PAYLOAD
    # a corrupt mirror copy is refused, and names the mirror file
    (cache / sf.relpath).unlink()
    src.write_bytes(PAYLOAD[:-1] + b"X")
    with pytest.raises(SourceError, match="checksum mismatch") as exc:
        fetch_file(sf, cache, mirror=mirror, progress=False)
    assert str(src) in str(exc.value)
    assert not (cache / sf.relpath).exists()


def test_corrupt_cache_is_refetched(tmp_path):
    mirror = tmp_path / "mirror"
    sf = _sf("http://127.0.0.1:9/never")
    (mirror / sf.relpath).parent.mkdir(parents=True)
    (mirror / sf.relpath).write_bytes(PAYLOAD)
    cache = tmp_path / "cache"
    (cache / sf.relpath).parent.mkdir(parents=True)
    (cache / sf.relpath).write_bytes(b"stale")
    assert fetch_file(sf, cache, mirror=mirror, progress=False).read_bytes() == PAYLOAD


def test_fetch_rejects_missing_mirror_dir(tmp_path):
    group = SourceGroup(id="g", description="", format="geojson", vintage="", licence="", attribution="",
                        files=(_sf("http://127.0.0.1:9/never"),))
    with pytest.raises(SourceError, match="mirror directory does not exist"):
        fetch([group], mirror=tmp_path / "nope", cache=tmp_path / "c", progress=False)


def test_catalogue_pins_every_file():
    cat = load_catalogue()
    files = [f for g in cat.values() for f in g.files]
    assert len(files) == 402  # every file of ../shared/data/SOURCES.csv
    for f in files:
        assert len(f.sha256) == 64 and len(f.commit) == 40
        assert f.commit in f.url, "every URL is pinned to its commit"
    assert cat["lsoa_2011"].expected_features == 32844
    assert len(cat["lsoa_2011"].files) == 326
    for g in cat.values():
        assert g.licence and g.attribution and g.vintage


def test_catalogue_errors(tmp_path):
    bad = tmp_path / "sources.toml"
    bad.write_text("[[group]]\nid = 'x'\n")
    with pytest.raises(SourceError, match="row 1"):
        load_catalogue(bad)
    bad.write_text("not = [toml")
    with pytest.raises(SourceError, match="not valid TOML"):
        load_catalogue(bad)
    with pytest.raises(SourceError, match="not found"):
        load_catalogue(tmp_path / "absent.toml")


def test_verified_files_skip_the_truncation_parse_only_while_unchanged(tmp_path):
    """A file whose sha256 matched is whole (the reader skips re-parsing it); once changed it is checked."""
    import time

    from commissioning_atlas._errors import DataError
    from commissioning_atlas.sources.readers import _check_json_complete
    from commissioning_atlas.sources.verified import is_verified

    mirror = tmp_path / "mirror"
    sf = _sf("http://127.0.0.1:9/never")
    (mirror / sf.relpath).parent.mkdir(parents=True)
    (mirror / sf.relpath).write_bytes(PAYLOAD)
    got = fetch_file(sf, tmp_path / "cache", mirror=mirror, progress=False)
    assert is_verified(got)
    _check_json_complete(got)
    # another file of the same bytes was never verified; a truncated one is refused
    other = tmp_path / "mine.json"
    other.write_bytes(PAYLOAD[:500])
    assert not is_verified(other)
    with pytest.raises(DataError, match="mine.json: malformed or truncated JSON"):
        _check_json_complete(other)
    # the verified file, truncated afterwards, is no longer trusted
    time.sleep(0.01)
    got.write_bytes(PAYLOAD[:500])
    assert not is_verified(got)
    with pytest.raises(DataError, match="malformed or truncated JSON"):
        _check_json_complete(got)
