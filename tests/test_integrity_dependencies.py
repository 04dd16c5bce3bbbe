"""What CI installs and runs is pinned: every package in requirements.lock with its hashes (the direct
dependencies at pyproject's versions), `make install` refusing anything unhashed, every action at a
commit SHA, and the cloud secrets only in the publishing steps."""

from __future__ import annotations

import re
import tomllib

import yaml

from tests.conftest import ROOT

REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, tuple[str, int]]:
    """{package: (version, number of hashes)} from requirements.lock."""
    pins: dict[str, tuple[str, int]] = {}
    current = None
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        match = REQUIREMENT.match(line)
        if match:
            current = normalise(match.group(1))
            pins[current] = (match.group(2), 0)
        elif "--hash=sha256:" in line and current:
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


def test_the_lock_pins_every_direct_dependency_at_pyproject_s_version_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    direct = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    pins = locked()
    for requirement in direct:
        name, version = REQUIREMENT.match(requirement).groups()
        assert pins.get(normalise(name), (None,))[0] == version, requirement
    assert len(pins) > len(direct)  # the transitive ones too
    assert all(hashes for _, hashes in pins.values()), [n for n, (_, h) in pins.items() if not h]


def test_make_installs_from_the_lock_with_hashes_and_the_package_without_dependencies():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet --require-hashes -r requirements.lock" in makefile
    assert "pip install --quiet --no-deps --no-build-isolation -e ." in makefile
    assert re.search(r"^\$\(STAMP\):.*requirements\.lock", makefile, re.M)


def test_the_build_backend_is_the_locked_one_and_never_fetched():
    """pip builds the package in an isolated environment with whatever setuptools it fetches, unless told
    not to (issue 22, item 15): the build system requires the lock's setuptools, installed with its hashes,
    and every build of the package (make install, evidence publish) uses it in place."""
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    assert requires == [f"setuptools=={locked()['setuptools'][0]}"] and locked()["setuptools"][1] >= 1
    cli = (ROOT / "evidence" / "cli.py").read_text()
    assert '"wheel", ".", "--no-deps", "--no-build-isolation"' in cli


def test_actions_are_pinned_to_commits_and_secrets_reach_only_publishing():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "publish.yml").read_text())
    job = workflow["jobs"]["build"]
    steps = job["steps"]
    for step in steps:
        if "uses" in step:
            assert re.fullmatch(r"[\w./-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
    assert all("secrets." not in str(value) or key == "HAS_GCP_CREDENTIALS" for key, value in job["env"].items())
    with_secrets = [i for i, step in enumerate(steps) if "secrets." in str(step)]
    names = [steps[i]["name"] for i in with_secrets]
    assert names == ["Authenticate to Google Cloud", "Set up gcloud", "Publish"]
    assert with_secrets == list(range(len(steps) - 3, len(steps)))  # the last steps: after install, build and test
    assert all("HAS_GCP_CREDENTIALS == 'true'" in steps[i]["if"] for i in with_secrets)
