"""Deployment files that cannot run here (no Docker engine, no cluster) still agree.

The HAProxy template renders and ``haproxy -c`` accepts it (classroom and compose forms); the
compose file, the Kubernetes manifests and the Dockerfile parse and name the same port, health
path and image; the Dockerfile installs requirements.txt; the body limits follow
``server.maxUploadSize``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import haproxy_cfg  # noqa: E402

PORT = 8501
HEALTH = "/_stcore/health"
COMPOSE = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
K8S = {d["kind"]: d for d in yaml.safe_load_all((ROOT / "deploy" / "kubernetes.yaml").read_text())}
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def haproxy() -> str:
    path = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(path).exists():
        msg = "haproxy is missing: apt-get install haproxy (scripts/test.sh does)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path


def upload_mb() -> int:
    with (ROOT / ".streamlit" / "config.toml").open("rb") as f:
        return tomllib.load(f)["server"]["maxUploadSize"]


def instructions(name: str) -> list[str]:
    """The Dockerfile's ``name`` instructions (continuation lines joined)."""
    text = DOCKERFILE.replace("\\\n", " ")
    return [ln.split(None, 1)[1] for ln in text.splitlines() if ln.startswith(name + " ")]


@pytest.mark.parametrize(
    ("servers", "dns"),
    [(["127.0.0.1:18502", "127.0.0.1:18503"], None), (["app1:8501", "app2:8501"], "127.0.0.11:53")],
    ids=["classroom", "compose"],
)
def test_the_haproxy_template_renders_and_haproxy_accepts_it(tmp_path, servers, dns):
    text = haproxy_cfg.render(f":{PORT}", servers, dns)
    assert "$" not in text  # every placeholder filled
    for i, addr in enumerate(servers):
        assert re.search(rf"^\s+server w{i} {re.escape(addr)} cookie w{i}\b", text, re.M)
    assert f"uri {HEALTH} " in text
    assert f"req.body_size gt {(upload_mb() + 1) * 1024 * 1024} " in text
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(text)
    check = subprocess.run([haproxy(), "-c", "-f", str(cfg)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_body_limit_is_read_from_the_config_at_render_time(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[server]\nmaxUploadSize = 3\n")
    assert haproxy_cfg.max_body(cfg) == 4 * 1024 * 1024  # 3 MiB + Streamlit's 1 MiB margin
    assert haproxy_cfg.max_body() == (upload_mb() + 1) * 1024 * 1024


def test_the_dockerfile_installs_requirements_txt_and_runs_the_warmed_app():
    copies = instructions("COPY")
    assert "requirements.txt ./" in copies
    (pip,) = [r for r in instructions("RUN") if "pip install" in r]
    args = shlex.split(pip)
    assert args[args.index("-r") + 1] == "requirements.txt"
    assert (ROOT / "requirements.txt").is_file()
    assert instructions("FROM")[0].startswith("python:3.11-slim")
    assert instructions("USER") == ["app"]  # not root
    assert instructions("EXPOSE") == [str(PORT)]
    (health,) = instructions("HEALTHCHECK")
    assert f"127.0.0.1:{PORT}{HEALTH}" in health
    cmd = yaml.safe_load(instructions("CMD")[0])  # a JSON array
    assert cmd[:2] == ["python", "scripts/serve.py"] and str(PORT) in cmd


def test_compose_and_kubernetes_name_the_same_port_health_path_and_image():
    services = COMPOSE["services"]
    apps = [s for name, s in services.items() if name.startswith("app")]
    assert len(apps) >= 2
    pod = K8S["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    image = pod["image"]
    assert (
        image
        == f"cnn-rnn-explorer:{tomllib.loads((ROOT / 'pyproject.toml').read_text())['project']['version']}"
    )
    for app in apps:
        assert app["image"] == image and app["build"]["dockerfile"] == "Dockerfile"
        assert app["expose"] == [str(PORT)]
        assert f"127.0.0.1:{PORT}{HEALTH}" in " ".join(app["healthcheck"]["test"])
    # HAProxy's config is rendered by the app image from the template, one server per replica.
    render = services["haproxy-config"]
    assert render["image"] == image
    cmd = render["command"]
    assert cmd[:2] == ["python", "scripts/haproxy_cfg.py"]
    names = [n for n in services if n.startswith("app")]
    assert [cmd[i + 1] for i, a in enumerate(cmd) if a == "--server"] == [
        f"{n}:{PORT}" for n in names
    ]
    assert services["haproxy"]["ports"] == [f"{PORT}:{PORT}"]
    assert services["haproxy"]["image"].startswith("haproxy:2.")
    # Kubernetes: the container port, every probe, the service and the ingress agree.
    assert pod["ports"][0]["containerPort"] == PORT
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert pod[probe]["httpGet"] == {"path": HEALTH, "port": PORT}, probe
    assert K8S["Service"]["spec"]["ports"][0]["targetPort"] == PORT
    svc_port = K8S["Service"]["spec"]["ports"][0]["port"]
    backend = K8S["Ingress"]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": K8S["Service"]["metadata"]["name"], "port": {"number": svc_port}}
    assert (
        K8S["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"]
        == (K8S["Deployment"]["metadata"]["name"])
    )


def test_the_ingress_is_sticky_and_takes_the_apps_uploads():
    notes = K8S["Ingress"]["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert notes["nginx.ingress.kubernetes.io/affinity-mode"] == "persistent"
    # The same body limit as HAProxy's: the upload limit plus Streamlit's 1 MiB margin.
    assert notes["nginx.ingress.kubernetes.io/proxy-body-size"] == f"{upload_mb() + 1}m"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
