"""Playwright in Debian's Chromium against Django's live server."""

import os
from pathlib import Path

import pytest
from tests.browser import latin_text

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
# `make test` never rewrites tracked files: screenshots go to a scratch folder unless
# `make screenshots` (YIWANG_SCREENSHOTS=1) asks for the ones in docs/screenshots/.
SCREENSHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("YIWANG_SCREENSHOTS") == "1"
    else Path(os.environ.get("TMPDIR", "/tmp")) / "yiwang-screenshots"
)
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


# ---------------------------------------------------------------------------------------
# The accessibility gate (docs/accessibility.md): axe-core, installed from npm with the
# lockfile, runs on every page any browser test loads — every context made from the
# `browser` fixture, so other tests get it without edits — and the test fails at teardown
# on any serious or critical violation of WCAG 2.1 A/AA (GB/T 37668-2019).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
AXE_RUN = """async (tags) => {
  if (!window.axe) { return null; }
  // One run at a time per page (a load and a final check may meet).
  const previous = window.__yiwangAxe || Promise.resolve();
  const run = previous.catch(() => null).then(() =>
    window.axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]}));
  window.__yiwangAxe = run;
  const result = await run;
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" "))}));
}"""
_GONE = ("Execution context was destroyed", "Target page, context or browser has been closed", "navigat")


class AxeGate:
    """Collects axe findings of every page load during one test."""

    def __init__(self):
        self.findings = []
        self.latin = []  # Latin-script interface text (tests/browser/latin_text.py)
        self.checked = []
        self.pages = []
        self.last = {}

    def attach(self, page):
        self.pages.append(page)
        page.on("load", self.check)

    def flush(self):
        """Check what each open page shows now, if its last load has not been checked yet."""
        for page in self.pages:
            if not page.is_closed() and self.last.get(id(page)) != page.url:
                self.check(page)

    def check(self, page):
        from playwright.sync_api import Error

        url = page.url
        if not url.startswith("http"):
            return
        try:
            violations = page.evaluate(AXE_RUN, AXE_TAGS)
            if violations is None:
                page.evaluate(AXE_JS.read_text(encoding="utf-8"))
                violations = page.evaluate(AXE_RUN, AXE_TAGS)
            if violations is None:
                return  # the page changed under the check; its next load is checked
            width = page.evaluate("() => window.innerWidth")
            words = latin_text.scan(page)
        except Error as error:
            if any(text in str(error) for text in _GONE):
                return  # the test moved on before the check finished; the next page is checked
            raise
        self.checked.append((url, width))
        self.last[id(page)] = url
        if words:
            self.latin.append(f"{url}: {'、'.join(words)}")
        for v in violations:
            self.findings.append(f"{url} @ {width}px: [{v['impact']}] {v['id']} — {v['help']} — {v['nodes']}")


_gate = {"current": None}


@pytest.fixture(autouse=True)
def axe_gate(request):
    """Every browser test: no serious or critical axe violation on any page it loaded."""
    if "/browser/" not in str(request.node.fspath):
        yield None
        return
    if not AXE_JS.exists():
        pytest.fail(f"找不到 axe-core（{AXE_JS}）：请先运行 make node")
    gate = AxeGate()
    _gate["current"] = gate
    yield gate
    _gate["current"] = None
    assert gate.findings == [], "无障碍检查（axe-core）发现严重问题：\n" + "\n".join(gate.findings)
    assert gate.latin == [], (
        "界面中出现了拉丁字母文字（界面应为中文；品牌、格式、单位和代码的许可清单见 tests/browser/latin_text.py）：\n"
        + "\n".join(gate.latin)
    )


def _with_axe(new_context):
    def wrapped(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.on("page", lambda page: _gate["current"] and _gate["current"].attach(page))
        return context

    return wrapped


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = (
            f"找不到 Chromium（{CHROMIUM}），浏览器测试未运行。启用方法："
            "apt-get install -y chromium fonts-noto-cjk（或设置 CHROMIUM_PATH），然后重新运行 make test。"
        )
        if os.environ.get("CI") == "true":  # CI installs Chromium first (.ci/run): missing is a failure there
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        browser.new_context = _with_axe(browser.new_context)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    yield page
    if _gate["current"]:
        _gate["current"].flush()
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A 375 px wide page, as when opened from WeChat on a phone."""
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 375, "height": 740},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    yield page
    if _gate["current"]:
        _gate["current"].flush()
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def totp_code(username: str) -> str:
    """A fresh code from the person's authenticator (enrolled here if they have none)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from yiwang.accounts.models import User

    user = User.objects.get(username=username)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=True)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # a second sign-in in the same 30 s
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def sign_in(page, username: str, password: str = "Yiwang@2026") -> None:
    """Sign in through the page; admins who must use a second factor give a TOTP code."""
    from yiwang.accounts.models import User
    from yiwang.accounts.services import has_second_factor, second_factor_required

    user = User.objects.filter(username=username).first()
    needs_code = user is not None and (second_factor_required(user) or has_second_factor(user))
    if needs_code:
        code = totp_code(username)
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    if needs_code and user.check_password(password):
        page.wait_for_selector("#id_code")
        page.fill("#id_code", code)
        page.click("button[type=submit]")
