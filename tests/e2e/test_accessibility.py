"""axe-core (from npm, injected into the page) on the pages a carer uses: sign-in (also
with an error), My classes, the class page, a post, My children, the consent form and the
404 page, on a phone and on a desktop. No violation of impact "serious" or "critical" is
allowed. Every violation found, of any impact, is written to
tests/e2e/artifacts/axe-<viewport>.json and the blocking ones are listed on failure."""

import json

import pytest

from class_pages.models import ClassPage, Pupil, StoryPostPage
from tests.e2e.helpers import ARTIFACTS, DESKTOP, PASSWORD, PHONE

BLOCKING = {"serious", "critical"}


def axe(page, axe_source):
    """Run axe-core on the page as it is now; return its violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert results["passes"], "axe-core checked nothing"
    return results["violations"]


def summary(violations_by_page):
    lines = []
    for name, violations in violations_by_page.items():
        for violation in violations:
            if violation["impact"] not in BLOCKING:
                continue
            lines.append(f"{name}: [{violation['impact']}] {violation['id']}: {violation['help']}")
            for node in violation["nodes"][:5]:
                lines.append(f"    {' '.join(node['target'])}: {node['html'][:160]}")
    return "\n".join(lines)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_carer_pages_have_no_serious_accessibility_violations(demo, new_page, axe_source, viewport):
    oak = ClassPage.objects.get(class_name="Oak")
    post = StoryPostPage.objects.live().child_of(oak).get(title="Star painters")
    amira = Pupil.objects.get(first_name="Amira", last_name="Hassan")
    # The site's CSP forbids injected scripts (as it should); axe is the test's own tool.
    page = new_page(viewport, bypass_csp=True)
    found = {}

    def check(name, heading, path=None, status=200):
        if path is not None:
            response = page.goto(path)
            assert response.status == status, f"{name}: {path} answered {response.status}"
        assert page.get_by_role("heading", level=1).inner_text() == heading, name
        found[name] = axe(page, axe_source)

    check("sign-in", "Sign in", "/sign-in/")
    page.get_by_label("Username or e-mail").fill("carer.oak")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").wait_for()
    check("sign-in with an error", "Sign in")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/my-classes/")
    check("my classes", "My classes")
    check("Oak class page", oak.title, oak.url)
    check("post page", post.title, post.url)
    check("my children", "My children", "/my-children/")
    check("consent form", "Consent for Amira", f"/my-children/{amira.pk}/consent/")
    willow = ClassPage.objects.get(class_name="Willow")
    check("not found (another class)", "We could not find that page", willow.url, status=404)

    name = "phone" if viewport == PHONE else "desktop"
    ARTIFACTS.mkdir(exist_ok=True)
    report = {
        page_name: [
            {
                "id": violation["id"],
                "impact": violation["impact"],
                "help": violation["help"],
                "nodes": [
                    {"target": node["target"], "html": node["html"]} for node in violation["nodes"]
                ],
            }
            for violation in violations
        ]
        for page_name, violations in found.items()
    }
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")

    blocking = summary(found)
    assert not blocking, f"serious or critical accessibility violations:\n{blocking}"
